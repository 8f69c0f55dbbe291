package main

deny contains msg if {
	s := concat("", [x | some i in numbers.range(1, 100000); x := "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])
	t := concat(s, [y | some j in numbers.range(1, 1000); y := "z"])
	msg := sprintf("%d", [count(t)])
}
