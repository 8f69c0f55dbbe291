# Builtins kubegate implements as OPA does (opa_builtins), on values at their edges.
package main

deny_upper_special_0 contains sprintf("%v", [upper("ßŉǰΐΰևẖẗẘẙẚὐὒὔὖᾀᾁᾂᾃᾄᾅᾆᾇᾈᾉᾊᾋᾌᾍᾎᾏᾐᾑᾒᾓᾔᾕᾖᾗᾘ")])

deny_upper_special_1 contains sprintf("%v", [upper("ᾙᾚᾛᾜᾝᾞᾟᾠᾡᾢᾣᾤᾥᾦᾧᾨᾩᾪᾫᾬᾭᾮᾯᾲᾳᾴᾶᾷᾼῂῃῄῆῇῌῒΐῖῗῢ")])

deny_upper_special_2 contains sprintf("%v", [upper("ΰῤῦῧῲῳῴῶῷῼﬀﬁﬂﬃﬄﬅﬆﬓﬔﬕﬖﬗ")])

deny_lower_special contains sprintf("%v", [[lower("İǅǈǋǲᾈᾉᾊᾋᾌᾍᾎᾏᾘᾙᾚᾛᾜᾝᾞᾟᾨᾩᾪᾫᾬᾭᾮᾯᾼῌῼ"), upper("ǅǈǋǲᾈᾉᾊᾋᾌᾍᾎᾏᾘᾙᾚᾛᾜᾝᾞᾟᾨᾩᾪᾫᾬᾭᾮᾯᾼῌῼ")]])

deny_case_words contains sprintf("%v", [concat("|", [upper("straße ǆ ǅ ﬃ ᾳ ı i"), lower("ΟΔΟΣ ΣΑΣ İstanbul ǅ ẞ Ω K Å"), upper("ωσς ſ µ ÿ"), lower("ABC"), upper("abc"), upper("")])])

deny_to_number_0 contains sprintf("%v", [[to_number("007") + 1, to_number("007") == 1, is_number(to_number("007"))]])

deny_to_number_1 contains sprintf("%v", [[to_number("1_000") + 1, to_number("1_000") == 1, is_number(to_number("1_000"))]])

deny_to_number_2 contains sprintf("%v", [[to_number("+1") + 1, to_number("+1") == 1, is_number(to_number("+1"))]])

deny_to_number_3 contains sprintf("%v", [[to_number(".5") + 1, to_number(".5") == 1, is_number(to_number(".5"))]])

deny_to_number_4 contains sprintf("%v", [[to_number("1.") + 1, to_number("1.") == 1, is_number(to_number("1."))]])

deny_to_number_5 contains sprintf("%v", [[to_number("-0") + 1, to_number("-0") == 1, is_number(to_number("-0"))]])

deny_to_number_6 contains sprintf("%v", [[to_number("1e3") + 1, to_number("1e3") == 1, is_number(to_number("1e3"))]])

deny_to_number_7 contains sprintf("%v", [[to_number("1E-2") + 1, to_number("1E-2") == 1, is_number(to_number("1E-2"))]])

deny_to_number_8 contains sprintf("%v", [[to_number("-007.50") + 1, to_number("-007.50") == 1, is_number(to_number("-007.50"))]])

deny_to_number_9 contains sprintf("%v", [[to_number("00.5e1") + 1, to_number("00.5e1") == 1, is_number(to_number("00.5e1"))]])

deny_to_number_10 contains sprintf("%v", [[to_number("0x1p4") + 1, to_number("0x1p4") == 1, is_number(to_number("0x1p4"))]])

deny_to_number_11 contains sprintf("%v", [[to_number("0x1.8p1") + 1, to_number("0x1.8p1") == 1, is_number(to_number("0x1.8p1"))]])

deny_to_number_12 contains sprintf("%v", [[to_number("0X1P-2") + 1, to_number("0X1P-2") == 1, is_number(to_number("0X1P-2"))]])

deny_to_number_13 contains sprintf("%v", [[to_number("0x_1p0") + 1, to_number("0x_1p0") == 1, is_number(to_number("0x_1p0"))]])

deny_to_number_14 contains sprintf("%v", [[to_number("0_7") + 1, to_number("0_7") == 1, is_number(to_number("0_7"))]])

deny_to_number_15 contains sprintf("%v", [[to_number("-0x1p0") + 1, to_number("-0x1p0") == 1, is_number(to_number("-0x1p0"))]])

deny_to_number_16 contains sprintf("%v", [[to_number("12345678901234567890123") + 1, to_number("12345678901234567890123") == 1, is_number(to_number("12345678901234567890123"))]])

deny_to_number_17 contains sprintf("%v", [[to_number("1e-400") + 1, to_number("1e-400") == 1, is_number(to_number("1e-400"))]])

deny_to_number_18 contains sprintf("%v", [[to_number("5e0") + 1, to_number("5e0") == 1, is_number(to_number("5e0"))]])

deny_to_number_19 contains sprintf("%v", [[to_number("1_0.5") + 1, to_number("1_0.5") == 1, is_number(to_number("1_0.5"))]])

deny_to_number_20 contains sprintf("%v", [[to_number("0.1") + 1, to_number("0.1") == 1, is_number(to_number("0.1"))]])

deny_to_number_kinds contains sprintf("%v", [[to_number(null), to_number(true), to_number(false), to_number(5)]])

deny_semver_valid contains sprintf("%v", [[semver.is_valid("1.2.3"), semver.is_valid("v1.2.3"), semver.is_valid("V1.2.3"), semver.is_valid("1.2"), semver.is_valid("01.2.3"), semver.is_valid("1.02.3"), semver.is_valid("1.2.3-alpha"), semver.is_valid("1.2.3-01"), semver.is_valid("1.2.3+build"), semver.is_valid("1.2.3-a+b"), semver.is_valid("1.2.3-"), semver.is_valid("1.2.3+"), semver.is_valid("vv1.2.3"), semver.is_valid(" 1.2.3"), semver.is_valid("1.2.3-a_b"), semver.is_valid("1.2.3.4"), semver.is_valid("1.2.3-alpha..1"), semver.is_valid("-1.2.3"), semver.is_valid(""), semver.is_valid("99999999999999999999.0.0"), semver.is_valid("+1.2.3"), semver.is_valid("1.+2.3"), semver.is_valid("1.2.3-a-b")]])

deny_semver_valid_kinds contains sprintf("%v", [[semver.is_valid(1), semver.is_valid(null), semver.is_valid(["1.2.3"])]])

deny_semver_compare contains sprintf("%v", [[semver.compare("v1.2.3", "1.2.3"), semver.compare("1.2.3-alpha.2", "1.2.3-alpha.10"), semver.compare("1.2.3-alpha", "1.2.3-alpha.1"), semver.compare("1.2.3+a", "1.2.3+b"), semver.compare("1.2.3-1", "1.2.3-a"), semver.compare("01.2.3", "1.2.3"), semver.compare("1.2.3-", "1.2.3"), semver.compare("1.10.0", "1.9.0"), semver.compare("1.2.3-B", "1.2.3-a"), semver.compare("2.0.0", "10.0.0"), semver.compare("1.2.3-rc.1", "1.2.3-rc.1"), semver.compare("1.2.3-x.-1", "1.2.3-x.1")]])

deny_yaml_0 contains sprintf("%v", [[yaml.is_valid("a: yes\nb: 010\n"), object.get({"v": yaml.unmarshal("a: yes\nb: 010\n")}, "v", "none")]])

deny_yaml_1 contains sprintf("%v", [[yaml.is_valid("[yes, no, on, off, y, n, Y, N, True, FALSE, Yes, oN]"), object.get({"v": yaml.unmarshal("[yes, no, on, off, y, n, Y, N, True, FALSE, Yes, oN]")}, "v", "none")]])

deny_yaml_2 contains sprintf("%v", [[yaml.is_valid("[0o10, 010, 0x1F, 1_000, 0b101, +12, -0x1A, 08, 09.5, 1_0.5]"), object.get({"v": yaml.unmarshal("[0o10, 010, 0x1F, 1_000, 0b101, +12, -0x1A, 08, 09.5, 1_0.5]")}, "v", "none")]])

deny_yaml_4 contains sprintf("%v", [[yaml.is_valid("[2001-12-14, 2001-12-14t21:59:43.10-05:00, 12:30:45, 1:20]"), object.get({"v": yaml.unmarshal("[2001-12-14, 2001-12-14t21:59:43.10-05:00, 12:30:45, 1:20]")}, "v", "none")]])

deny_yaml_6 contains sprintf("%v", [[yaml.is_valid("a: 1\n---\nb: 2\n"), object.get({"v": yaml.unmarshal("a: 1\n---\nb: 2\n")}, "v", "none")]])

deny_yaml_7 contains sprintf("%v", [[yaml.is_valid(""), object.get({"v": yaml.unmarshal("")}, "v", "none")]])

deny_yaml_8 contains sprintf("%v", [[yaml.is_valid("just text"), object.get({"v": yaml.unmarshal("just text")}, "v", "none")]])

deny_yaml_9 contains sprintf("%v", [[yaml.is_valid("'quoted yes': \"no\""), object.get({"v": yaml.unmarshal("'quoted yes': \"no\"")}, "v", "none")]])

deny_yaml_11 contains sprintf("%v", [[yaml.is_valid("a: !!str 010\nb: !!int \"7\"\n"), object.get({"v": yaml.unmarshal("a: !!str 010\nb: !!int \"7\"\n")}, "v", "none")]])

deny_yaml_12 contains sprintf("%v", [[yaml.is_valid("key: |\n  multi\n  line\n"), object.get({"v": yaml.unmarshal("key: |\n  multi\n  line\n")}, "v", "none")]])

deny_yaml_13 contains sprintf("%v", [[yaml.is_valid("a: 12345678901234567890123"), object.get({"v": yaml.unmarshal("a: 12345678901234567890123")}, "v", "none")]])

deny_yaml_invalid contains sprintf("%v", [[yaml.is_valid("a: [1"), yaml.is_valid("a: 1\n a: 2"), yaml.is_valid("a: 1\na: 2")]])

deny_crypto contains sprintf("%v", [[crypto.md5("a"), crypto.sha1("a"), crypto.sha256(""), crypto.sha256("héllo"), crypto.hmac.md5("msg", "key"), crypto.hmac.sha1("msg", "key"), crypto.hmac.sha256("msg", "key"), crypto.hmac.sha512("msg", ""), crypto.hmac.equal("abc", "abc"), crypto.hmac.equal("abc", "abd"), crypto.hmac.equal("a", "ab")]])

deny_json_patch contains sprintf("%v", [[json.patch({"a": [1, 2]}, [{"op": "add", "path": "/a/-", "value": 3}, {"op": "replace", "path": "/a/0", "value": 0}, {"op": "remove", "path": "/a/1"}, {"op": "copy", "from": "/a", "path": "/b"}, {"op": "move", "from": "/b", "path": "/c"}, {"op": "test", "path": "/c", "value": [0, 3]}])]])
