# sprintf("%d", [1.5])
package main

deny contains sprintf("%d", [1.5])

warn contains "evaluated" if true
