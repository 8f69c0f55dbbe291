package main

# Each call within its bound, a thousand of them: 8 GB together.
deny contains msg if {
	s := concat("", [x | some i in numbers.range(1, 100000); x := "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])
	parts := [t | some j in numbers.range(1, 1000); t := concat("", [s, sprintf("%d", [j])])]
	msg := sprintf("%d", [count(parts)])
}
