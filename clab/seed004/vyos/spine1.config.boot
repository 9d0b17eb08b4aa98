/* spine1: seed 004's VyOS config in VyOS 1.4+ syntax ("system-as"), for containerlab's
 * vyosnetworks_vyos kind. Same BGP design as the FRR config next to the FRR topology. */
interfaces {
    ethernet eth1 {
        address 10.1.12.2/24
    }
    ethernet eth2 {
        address 10.1.11.2/24
    }
    loopback lo {
    }
}
protocols {
    bgp {
        neighbor 10.1.11.1 {
            remote-as 65008
        }
        neighbor 10.1.12.1 {
            remote-as 65005
        }
        parameters {
            router-id 10.1.12.2
        }
        system-as 800
    }
}
system {
    host-name spine1
    login {
        user admin {
            authentication {
                plaintext-password admin
            }
        }
    }
}
