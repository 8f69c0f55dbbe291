# yaml.unmarshal of an infinity, which JSON cannot hold.
package main

deny contains sprintf("%v", [[yaml.is_valid("[.inf, -.inf, .nan, ~, null, Null, '', 1.5e3, 1e3, 6.8523015e+5, 685_230.15, .5, 1.]"), object.get({"v": yaml.unmarshal("[.inf, -.inf, .nan, ~, null, Null, '', 1.5e3, 1e3, 6.8523015e+5, 685_230.15, .5, 1.]")}, "v", "none")]])

warn contains "evaluated" if true
