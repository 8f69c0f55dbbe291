package lib.util

h(x) := y if {
	y := data.main.g(x)
}

ok(x) := x + 1
