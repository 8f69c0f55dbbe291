# yaml.unmarshal of a merge key (`<<: *anchor`).
package main

deny contains sprintf("%v", [[yaml.is_valid("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n"), object.get({"v": yaml.unmarshal("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n")}, "v", "none")]])

warn contains "evaluated" if true
