# sprintf("%+d", [5])
package main

deny contains sprintf("%+d", [5])

warn contains "evaluated" if true
