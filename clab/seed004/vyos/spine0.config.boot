/* spine0: seed 004's VyOS config in VyOS 1.4+ syntax ("system-as"), for containerlab's
 * vyosnetworks_vyos kind. Same BGP design as the FRR config next to the FRR topology. */
interfaces {
    ethernet eth1 {
        address 10.1.10.2/24
    }
    ethernet eth2 {
        address 10.1.34.2/24
    }
    ethernet eth3 {
        address 10.1.200.1/24
    }
    loopback lo {
    }
}
protocols {
    bgp {
        address-family {
            ipv4-unicast {
                network 10.1.200.0/24 {
                }
            }
        }
        neighbor 10.1.10.1 {
            remote-as 65005
        }
        neighbor 10.1.34.1 {
            remote-as 65008
        }
        parameters {
            router-id 10.1.10.2
        }
        system-as 500
    }
}
system {
    host-name spine0
    login {
        user admin {
            authentication {
                plaintext-password admin
            }
        }
    }
}
