package main

deny contains msg if {
	n := bits.lsh(1, 200000000)
	msg := sprintf("%d", [n])
}
