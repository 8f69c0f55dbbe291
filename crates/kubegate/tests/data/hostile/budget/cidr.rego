package main

deny contains msg if {
	s := net.cidr_expand("10.0.0.0/8")
	msg := sprintf("%d", [count(s)])
}
