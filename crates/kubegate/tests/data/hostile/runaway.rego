package main

# Ten billion iterations: it would run for hours.
deny_forever contains msg if {
	some a in numbers.range(1, 100000)
	some b in numbers.range(1, 100000)
	a + b < 0
	msg := "never"
}
