# to_number of a string with a leading space.
package main

deny contains sprintf("%v", [x]) if {
	x := to_number(" 1")
}

warn contains "evaluated" if true
