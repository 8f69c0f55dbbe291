package main

# A policy that hands manifest data to a builtin whose result grows with it.
deny contains msg if {
	sep := input.metadata.name
	msg := concat(sep, [x | some i in numbers.range(1, 1000); x := "."])
}
