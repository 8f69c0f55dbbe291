# Go's RE2 (OPA) reads \d, \w, \s and \b as ASCII; so must kubegate.
package main

deny_digit contains sprintf("%v %v", [regex.match(`^\d+$`, "٣"), regex.match(`^[\d]+$`, "12")]) if true

deny_word contains sprintf("%v %v", [regex.match(`^\w+$`, "été"), regex.find_n(`\w+`, "été x", -1)]) if true

deny_space contains sprintf("%v", [regex.split(`\s`, "a\u00a0b c")]) if true

deny_boundary contains sprintf("%v %v", [regex.match(`\bx\b`, "éxé"), regex.match(`a\Bb`, "ab")]) if true

deny_replace contains regex.replace("a٣b1", `\d`, "#") if true

deny_negated contains sprintf("%v %v", [regex.match(`^\D$`, "٣"), regex.match(`^[\W]$`, "é")]) if true

deny_submatch contains sprintf("%v", [regex.find_all_string_submatch_n(`(\w)(\d)`, "a1 é٣ b2", -1)]) if true
