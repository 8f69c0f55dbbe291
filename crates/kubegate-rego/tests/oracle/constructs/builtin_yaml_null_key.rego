# yaml.unmarshal of a mapping with a null key.
package main

deny contains sprintf("%v", [[yaml.is_valid("{1: a, 2.5: b, true: c, null: d}"), object.get({"v": yaml.unmarshal("{1: a, 2.5: b, true: c, null: d}")}, "v", "none")]])

warn contains "evaluated" if true
