package demo

// The name lists mix the cultures of a European company on purpose: names
// such as "Zoë", "Łukasz" or "Ñuño" exercise the API's Unicode ordering and
// JSON encoding, and the UPN builder's folding of them to ASCII.
var firstNames = []string{
	"Anna", "Ben", "Carla", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jakob",
	"Katarina", "Luca", "Maja", "Nils", "Olivia", "Pedro", "Quentin", "Rosa", "Sami", "Tina",
	"Ulrich", "Vera", "William", "Xenia", "Yusuf", "Zoë", "Émile", "Łukasz", "Søren", "Ñuño",
	"Ana", "Björn", "Chloé", "Dário", "Eva", "François", "Gökhan", "Hannah", "Ivana", "Jürgen",
	"Karin", "Lars", "Mateja", "Noémie", "Oliver", "Paula", "Raúl", "Sofia", "Tomás", "Urška",
	"Valentina", "Wojciech", "Yara", "Žiga", "Aleksander", "Bea", "Ciarán", "Dominika", "Erik", "Fatima",
	"Giulia", "Henrik", "Ingrid", "Jan", "Klara", "Leon", "Marta", "Nikola", "Oscar", "Petra",
	"Rafael", "Sara", "Thomas", "Uma", "Viktor", "Wiebke", "Ximena", "Yannick", "Zofia", "Åsa",
	"Mark", "Bob", "Emily", "James", "Laura", "Michael", "Sarah", "John", "Priya", "Mei",
}

var lastNames = []string{
	"Novak", "Horvat", "Kovačič", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
	"Rossi", "Russo", "Ferrari", "Esposito", "García", "Fernández", "González", "Rodríguez", "López", "Martínez",
	"Dubois", "Lefèvre", "Moreau", "Laurent", "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Jensen", "Nielsen",
	"Hansen", "Søndergaard", "Andersson", "Johansson", "Karlsson", "Nilsson", "Virtanen", "Korhonen", "Smith", "Jones",
	"Williams", "Brown", "Taylor", "Davies", "O'Brien", "Murphy", "Kelly", "de Vries", "van den Berg", "Jansen",
	"Peeters", "Janssens", "Costa", "Silva", "Santos", "Oliveira", "Papadopoulos", "Yılmaz", "Kaya", "Demir",
	"Horváth", "Nagy", "Tóth", "Dvořák", "Svoboda", "Novotný", "Popescu", "Ionescu", "Petrović", "Jovanović",
	"Krajnc", "Zupančič", "Mark", "Ibáñez", "Núñez", "Öztürk", "Strauß", "Łącki", "Ødegaard", "Åberg",
}

// department pairs a department with the job titles found in it.
type department struct {
	name   string
	titles []string
}

var departments = []department{
	{"Engineering", []string{"Software developer", "Senior software developer", "Engineering manager", "QA engineer", "DevOps engineer", "Architect"}},
	{"IT", []string{"IT administrator", "Service desk analyst", "Network engineer", "Security analyst", "IT manager"}},
	{"Sales", []string{"Account executive", "Sales manager", "Sales representative", "Key account manager"}},
	{"Marketing", []string{"Marketing specialist", "Content writer", "Marketing manager", "Designer"}},
	{"Finance", []string{"Accountant", "Financial controller", "Payroll specialist", "CFO"}},
	{"Human Resources", []string{"HR generalist", "Recruiter", "HR manager"}},
	{"Operations", []string{"Operations manager", "Logistics coordinator", "Warehouse lead", "Buyer"}},
	{"Customer Support", []string{"Support agent", "Support team lead", "Customer success manager"}},
	{"Legal", []string{"Legal counsel", "Paralegal", "Compliance officer"}},
	{"Research & Development", []string{"Research scientist", "Lab technician", "Product manager"}},
	{"Executive", []string{"CEO", "COO", "Executive assistant", "Chief of staff"}},
}

// city is an office: where users sit, their country, and the phone prefix
// their numbers start with.
type city struct {
	name, country, dial string
}

var cities = []city{
	{"Ljubljana", "Slovenia", "+386"}, {"Maribor", "Slovenia", "+386"}, {"Berlin", "Germany", "+49"},
	{"München", "Germany", "+49"}, {"Wien", "Austria", "+43"}, {"Zürich", "Switzerland", "+41"},
	{"Milano", "Italy", "+39"}, {"Madrid", "Spain", "+34"}, {"Barcelona", "Spain", "+34"},
	{"Paris", "France", "+33"}, {"Lyon", "France", "+33"}, {"Kraków", "Poland", "+48"},
	{"Warszawa", "Poland", "+48"}, {"København", "Denmark", "+45"}, {"Stockholm", "Sweden", "+46"},
	{"Amsterdam", "Netherlands", "+31"}, {"Dublin", "Ireland", "+353"}, {"London", "United Kingdom", "+44"},
	{"Praha", "Czechia", "+420"}, {"Zagreb", "Croatia", "+385"}, {"İstanbul", "Türkiye", "+90"},
	{"Lisboa", "Portugal", "+351"}, {"New York", "United States", "+1"}, {"Toronto", "Canada", "+1"},
}
