package fakegraph

// name is a person's name as shown and the ASCII form that goes into a user
// principal name; a few are non-ASCII so that JSON escaping is exercised.
type name struct{ text, handle string }

var givenNames = []name{
	{"Adele", "adele"}, {"Alex", "alex"}, {"Allan", "allan"}, {"Bianca", "bianca"},
	{"Christie", "christie"}, {"Debra", "debra"}, {"Diego", "diego"}, {"Emily", "emily"},
	{"Enrico", "enrico"}, {"Grady", "grady"}, {"Henrietta", "henrietta"}, {"Irvin", "irvin"},
	{"Isaiah", "isaiah"}, {"Johanna", "johanna"}, {"Joni", "joni"}, {"Lee", "lee"},
	{"Lidia", "lidia"}, {"Lynne", "lynne"}, {"Megan", "megan"}, {"Miriam", "miriam"},
	{"Nestor", "nestor"}, {"Patti", "patti"}, {"Pradeep", "pradeep"}, {"Raul", "raul"},
	{"Zoë", "zoe"}, {"José", "jose"}, {"Łukasz", "lukasz"}, {"Søren", "soren"},
	{"Aiko", "aiko"}, {"Chloé", "chloe"}, {"Mateo", "mateo"}, {"Noor", "noor"},
}

var surnames = []name{
	{"Vance", "vance"}, {"Wilber", "wilber"}, {"Deyoung", "deyoung"}, {"Pisani", "pisani"},
	{"Cline", "cline"}, {"Berger", "berger"}, {"Siciliani", "siciliani"}, {"Braun", "braun"},
	{"Bogue", "bogue"}, {"Archie", "archie"}, {"Cox", "cox"}, {"Bellinger", "bellinger"},
	{"Langer", "langer"}, {"Lauer", "lauer"}, {"Sherman", "sherman"}, {"Gu", "gu"},
	{"Holloway", "holloway"}, {"Robbins", "robbins"}, {"Bowen", "bowen"}, {"Graham", "graham"},
	{"Wilke", "wilke"}, {"Fernandez", "fernandez"}, {"Gupta", "gupta"}, {"Gonzalez", "gonzalez"},
	{"Müller", "mueller"}, {"O'Brien", "obrien"}, {"García", "garcia"}, {"Nakamura", "nakamura"},
	{"Kowalski", "kowalski"}, {"Lindqvist", "lindqvist"}, {"Okafor", "okafor"}, {"Dubois", "dubois"},
}

var departments = []string{"Sales", "Marketing", "Finance", "Legal", "Engineering", "Operations", "Human Resources", "Research & Development", "Retail", "IT"}

var jobTitles = []string{"Sales Manager", "Marketing Assistant", "Accountant", "Attorney", "Developer", "Operations Lead", "HR Generalist", "Product Manager", "Store Associate", "IT Administrator", "Director"}

var offices = []string{"18/2111", "20/1101", "131/1104", "12/1110", "Building 4", "Remote", "London – Canary Wharf", "München 2.OG"}

var countries = []string{"United States", "Germany", "United Kingdom", "France", "Japan", "Brazil", "India", "Sweden"}

var companySuffixes = []string{" Ltd", " Inc.", " GmbH", " Retail"}
