package main

# Shows the combined input's shape: each entry's position, path and document kind.
deny contains sprintf("%d %s %s", [i, f.path, f.contents.kind]) if {
	some i, f in input
}
