/* leaf0: seed 004's VyOS config in VyOS 1.4+ syntax ("system-as"), for containerlab's
 * vyosnetworks_vyos kind. Same BGP design as the FRR config next to the FRR topology. */
interfaces {
    ethernet eth1 {
        address 10.1.10.1/24
    }
    ethernet eth2 {
        address 10.1.12.1/24
    }
    ethernet eth3 {
        address 10.1.5.1/24
    }
    loopback lo {
    }
}
protocols {
    bgp {
        address-family {
            ipv4-unicast {
                network 10.1.5.0/24 {
                }
                maximum-paths {
                    ebgp 8
                    ibgp 8
                }
            }
        }
        neighbor 10.1.5.10 {
            address-family {
                ipv4-unicast {
                    nexthop-self {
                    }
                    route-reflector-client
                }
            }
            remote-as 65005
        }
        neighbor 10.1.5.11 {
            address-family {
                ipv4-unicast {
                    nexthop-self {
                    }
                    route-reflector-client
                }
            }
            remote-as 65005
        }
        neighbor 10.1.10.2 {
            remote-as 500
        }
        neighbor 10.1.12.2 {
            remote-as 800
        }
        parameters {
            bestpath {
                as-path {
                    multipath-relax
                }
            }
            router-id 10.1.5.1
        }
        system-as 65005
    }
}
system {
    host-name leaf0
    login {
        user admin {
            authentication {
                plaintext-password admin
            }
        }
    }
}
