# sprintf("%8.3f", [3.14159])
package main

deny contains sprintf("%8.3f", [3.14159])

warn contains "evaluated" if true
