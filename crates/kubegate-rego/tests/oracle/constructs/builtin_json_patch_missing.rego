# json.patch removing a path that does not exist.
package main

deny contains sprintf("%v", [x]) if {
	x := json.patch({"a": 1}, [{"op": "remove", "path": "/x"}])
}

warn contains "evaluated" if true
