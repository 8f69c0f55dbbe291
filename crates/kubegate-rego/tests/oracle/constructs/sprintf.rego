# sprintf verbs, as Go's fmt formats them.
package main

deny_percent contains sprintf("100%% of %s", ["pods"])

deny_width contains sprintf("[%5d] [%05d]", [42, 42])

deny_v_array contains sprintf("array %v", [[1, "a", null, true]])

deny_v_object contains sprintf("object %v", [{"b": 1, "a": [2]}])

deny_v_set contains sprintf("set %v", [{3, 1, 2}])

deny_v_input contains sprintf("spec %v", [input.spec]) if input.kind == "Service"

deny_v_float contains sprintf("float %v %v", [1.5, 2.0])

deny_s_string contains sprintf("name %s", [input.metadata.name]) if is_string(input.metadata.name)

deny_s_composite contains sprintf("s-array %s, s-object %s, s-null %s", [["a", "b"], {"a": 1}, null])

deny_hex contains sprintf("hex %x %X, binary %b, char %c", [255, 255, 5, 65])

deny_q contains sprintf("quoted %q", ["a\"b"])

deny_f contains sprintf("fixed %.2f", [3.14159])

deny_d_integral_float contains sprintf("d %d", [3.0])

deny_s_number contains sprintf("number %s", [3])

deny_s_input_number contains sprintf("name %s", [input.metadata.name]) if is_number(input.metadata.name)

deny_v_exponent contains sprintf("small %v, tiny %v", [1.0e-7, 2.5e-300])

deny_e contains sprintf("e %e", [1.5])

deny_o contains sprintf("octal %o", [8])

deny_s_width contains sprintf("[%-8s] [%10s]", ["ab", "ab"])

deny_t contains sprintf("bool %t", [true])

deny_d_string contains sprintf("d-string %d", ["5"])
