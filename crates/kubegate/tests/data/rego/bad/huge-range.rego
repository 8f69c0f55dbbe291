package main

deny contains msg if {
	n := count(numbers.range(1, 1000000000000))
	msg := sprintf("%d", [n])
}
