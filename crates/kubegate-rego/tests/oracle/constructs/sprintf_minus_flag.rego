# sprintf("[%-5d]", [42])
package main

deny contains sprintf("[%-5d]", [42])

warn contains "evaluated" if true
