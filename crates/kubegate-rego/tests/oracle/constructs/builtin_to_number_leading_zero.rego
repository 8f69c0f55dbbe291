# to_number of a decimal with leading zeros.
package main

deny contains sprintf("%v", [x]) if {
	x := to_number("007")
}

warn contains "evaluated" if true
