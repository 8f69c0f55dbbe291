1fent.speaevin({{
	inpupoevin({{
	inpupolicvin({{
	inplit.speaevin({{
	inpupoevin({{peaevin({{
	inpupoinpupolli.if("%s runs %d"ption: &