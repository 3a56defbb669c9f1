"""Word lists for realistic seed customers in the US, the UK and Germany.

Everything here is static data; the generator in :mod:`imtui.sandbox.seed`
draws from it with a seeded ``random.Random``.
"""

from __future__ import annotations

# country -> (city, state or None, postal code pattern) ; "#" = digit, "@" = letter
CITIES: dict[str, list[tuple[str, str | None, str]]] = {
    "US": [
        ("Irvine", "CA", "926##"), ("San Diego", "CA", "921##"), ("Austin", "TX", "787##"),
        ("Dallas", "TX", "752##"), ("Seattle", "WA", "981##"), ("Denver", "CO", "802##"),
        ("Chicago", "IL", "606##"), ("Boston", "MA", "021##"), ("Atlanta", "GA", "303##"),
        ("Miami", "FL", "331##"), ("Phoenix", "AZ", "850##"), ("Portland", "OR", "972##"),
        ("Columbus", "OH", "432##"), ("Raleigh", "NC", "276##"), ("Nashville", "TN", "372##"),
        ("Minneapolis", "MN", "554##"), ("Buffalo", "NY", "142##"), ("Salt Lake City", "UT", "841##"),
    ],
    "GB": [
        ("London", None, "EC1A #@@"), ("London", None, "SW1A #@@"), ("Manchester", None, "M1 #@@"),
        ("Birmingham", None, "B1 #@@"), ("Leeds", None, "LS1 #@@"), ("Bristol", None, "BS1 #@@"),
        ("Glasgow", None, "G1 #@@"), ("Edinburgh", None, "EH1 #@@"), ("Cardiff", None, "CF10 #@@"),
        ("Nottingham", None, "NG1 #@@"), ("Reading", None, "RG1 #@@"), ("Cambridge", None, "CB2 #@@"),
        ("Milton Keynes", None, "MK9 #@@"), ("Belfast", None, "BT1 #@@"), ("York", None, "YO1 #@@"),
    ],
    "DE": [
        ("Berlin", "BE", "10###"), ("Hamburg", "HH", "20###"), ("München", "BY", "80###"),
        ("Köln", "NW", "50###"), ("Frankfurt am Main", "HE", "60###"), ("Stuttgart", "BW", "70###"),
        ("Düsseldorf", "NW", "40###"), ("Leipzig", "SN", "04###"), ("Dortmund", "NW", "44###"),
        ("Nürnberg", "BY", "90###"), ("Hannover", "NI", "30###"), ("Bremen", "HB", "28###"),
        ("Dresden", "SN", "01###"), ("Mannheim", "BW", "68###"), ("Freiburg im Breisgau", "BW", "79###"),
    ],
}

STREETS: dict[str, list[str]] = {
    "US": ["Main Street", "Oak Avenue", "Maple Drive", "Park Boulevard", "Cedar Lane", "Elm Street",
           "Washington Avenue", "Lakeview Road", "Commerce Parkway", "Innovation Way", "Pine Street",
           "Sunset Boulevard", "Market Street", "Highland Avenue", "Technology Drive"],
    "GB": ["High Street", "Station Road", "Church Lane", "Victoria Road", "King Street", "Queen's Road",
           "Mill Lane", "Park Road", "London Road", "Castle Street", "Bridge Street", "The Crescent",
           "Albert Road", "Manor Way", "Westgate"],
    "DE": ["Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Goethestraße",
           "Industriestraße", "Lindenallee", "Am Markt", "Friedrichstraße", "Kirchweg",
           "Mozartstraße", "Berliner Straße", "Schulstraße", "Rheinuferweg", "Birkenweg"],
}

EXTENSIONS: dict[str, list[str]] = {
    "US": ["Suite 100", "Suite 210", "Floor 3", "Unit B", "Suite 1450"],
    "GB": ["Unit 4", "Floor 2", "Suite 3", "First Floor", "Building C"],
    "DE": ["2. OG", "Haus B", "Gebäude 3", "Hinterhaus", "3. Etage"],
}

FIRST_NAMES: dict[str, list[str]] = {
    "US": ["James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "Daniel",
           "Emily", "Carlos", "Maria", "Kevin", "Ashley", "Brian", "Jessica", "Tyler", "Megan", "Raj", "Wei"],
    "GB": ["Oliver", "Amelia", "George", "Isla", "Harry", "Olivia", "Jack", "Emily", "Charlie", "Sophie",
           "Thomas", "Grace", "William", "Chloe", "James", "Priya", "Callum", "Niamh", "Rhys", "Fiona"],
    "DE": ["Lukas", "Anna", "Maximilian", "Sophie", "Leon", "Marie", "Felix", "Laura", "Jonas", "Julia",
           "Paul", "Lena", "Tobias", "Katharina", "Stefan", "Sabine", "Jürgen", "Ayşe", "Niklas", "Petra"],
}

LAST_NAMES: dict[str, list[str]] = {
    "US": ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
           "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Nguyen", "Patel", "O'Brien"],
    "GB": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans",
           "Thomas", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "Khan", "MacDonald", "O'Neill"],
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
           "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Yılmaz"],
}

COMPANY_FIRST: dict[str, list[str]] = {
    "US": ["Northwind", "Blue Ridge", "Summit", "Pioneer", "Redwood", "Evergreen", "Keystone", "Liberty",
           "Silver Creek", "Granite", "Harbor", "Prairie", "Cascade", "Lone Star", "Golden Gate", "Bayside",
           "Ironwood", "Crescent", "Frontier", "Riverbend", "Patriot", "Sunbelt", "Clearwater", "Tri-County"],
    "GB": ["Thames", "Pennine", "Highland", "Cotswold", "Albion", "Britannia", "Mersey", "Severn",
           "Chiltern", "Kingsway", "Whitehall", "Oakridge", "Greenfield", "Northgate", "Westminster",
           "Clyde", "Tyne", "Camden", "Hartley", "Ashford", "Windsor", "Bramley", "Riverside", "Fenland"],
    "DE": ["Alpen", "Nordsee", "Rhein", "Schwarzwald", "Elbe", "Spree", "Hanse", "Bavaria", "Main",
           "Weser", "Harz", "Eifel", "Brandenburg", "Sachsen", "Isar", "Taunus", "Bodensee", "Ruhr",
           "Mosel", "Allgäu", "Donau", "Havel", "Pfalz", "Oberland"],
}

COMPANY_SECOND: dict[str, list[str]] = {
    "US": ["Dental Group", "Logistics", "Construction", "Family Medicine", "Legal Partners", "Realty",
           "Manufacturing", "Consulting", "Accounting", "Veterinary Clinic", "Marketing", "Engineering",
           "Insurance Agency", "Architects", "Foods", "Auto Group", "Solar", "Credit Union", "Labs", "Outfitters"],
    "GB": ["Solicitors", "Estates", "Haulage", "Dental Practice", "Accountants", "Builders", "Engineering",
           "Surveyors", "Recruitment", "Consulting", "Printing", "Veterinary Group", "Brewing", "Joinery",
           "Lettings", "Logistics", "Catering", "Architects", "Motors", "Opticians"],
    "DE": ["Logistik", "Bau", "Steuerberatung", "Zahnarztpraxis", "Maschinenbau", "Immobilien",
           "Elektrotechnik", "Consulting", "Handel", "Rechtsanwälte", "Spedition", "Medizintechnik",
           "Architekten", "Gastronomie", "Druckerei", "Autohaus", "Solartechnik", "Versicherungsmakler",
           "Software", "Haustechnik"],
}

SUFFIXES: dict[str, list[str]] = {
    "US": ["Inc", "Inc.", "LLC", "LLC", "Corp.", "Co.", "Holdings, Inc."],
    "GB": ["Ltd", "Ltd", "Limited", "Ltd.", "LLP", "plc"],
    "DE": ["GmbH", "GmbH", "GmbH & Co. KG", "AG", "e.K.", "UG (haftungsbeschränkt)"],
}

# Near-duplicates and awkward names placed first in every account's customer list.
# (name, status) ; statuses other than "active" exercise the client.
SPECIAL_CUSTOMERS: dict[str, list[tuple[str, str]]] = {
    "US": [
        ("Acme Inc", "active"), ("ACME INC.", "active"), ("Acme Holdings LLC", "active"),
        ("Acme North LLC", "active"), ("Acme South LLC", "active"),
        ("Smith & Sons Plumbing LLC", "active"), ("Barnes & Noble Dental Group", "active"),
        ("Brightline Logistics LLC", "creditHold"), ("Old Mill Bakery Inc", "adminHold"),
        ("Peak Performance Physio LLC", "pending"), ("Defunct Widgets Corp.", "cancelled"),
    ],
    "GB": [
        ("Acme Ltd", "active"), ("ACME LIMITED", "active"), ("Acme Holdings", "active"),
        ("Acme North Ltd", "active"), ("Acme South Ltd", "active"),
        ("Marks & Partners Solicitors LLP", "active"), ("Fish & Chips Co. Ltd", "active"),
        ("Brightline Haulage Ltd", "creditHold"), ("Old Mill Brewery Limited", "adminHold"),
        ("Peak District Physio Ltd", "pending"), ("Defunct Widgets Limited", "cancelled"),
    ],
    "DE": [
        ("Acme GmbH", "active"), ("ACME GMBH", "active"), ("Acme Holding GmbH", "active"),
        ("Acme Nord GmbH", "active"), ("Acme Süd GmbH", "active"),
        ("Müller & Schmidt Steuerberatung GmbH", "active"), ("Bäckerei Weiß & Söhne e.K.", "active"),
        ("Brightline Spedition GmbH", "creditHold"), ("Alte Mühle Brauerei GmbH", "adminHold"),
        ("Gipfel Physiotherapie UG (haftungsbeschränkt)", "pending"), ("Defunct Widgets AG", "cancelled"),
    ],
}

PHONE_PREFIX = {"US": "+1", "GB": "+44", "DE": "+49"}
LANGUAGE = {"US": "en", "GB": "en", "DE": "de"}
