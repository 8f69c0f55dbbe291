# A number literal beyond float64.
package main

deny contains sprintf("%v", [x]) if {
	x := 1e400 > 1
}

warn contains "evaluated" if true
