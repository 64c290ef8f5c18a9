"""Word lists and sentence templates of the demo corpus (data only).

Sentence templates use ``str.format`` fields that :mod:`.text` fills: ``{title}``,
``{first}``, ``{last}``, ``{he}``/``{his}``/``{He}``/``{His}`` (per subject), ``{place}``,
``{country}``, ``{demonym}``, ``{born}``, ``{year}`` and fresh draws from the pools
below (``{work}``, ``{org}``, ``{city}``, ``{number}``, ``{month}``, ``{person}``).
All names of people, works and organisations are invented.
"""

from dataclasses import dataclass

# -- topic labels (a subset of the ORES articletopic/drafttopic taxonomy) ---------------

BIOGRAPHY = "Culture.Biography.Biography*"
LITERATURE = "Culture.Literature"
MUSIC = "Culture.Media.Music"
FILMS = "Culture.Media.Films"
SPORTS = "Culture.Sports"
FOOD = "Culture.Food and drink"
GEOGRAPHICAL = "Geography.Geographical"
EUROPE = "Geography.Regions.Europe.Europe*"
ASIA = "Geography.Regions.Asia.Asia*"
NORTH_AMERICA = "Geography.Regions.Americas.North America"
BUSINESS = "History and Society.Business and economics"
MILITARY = "History and Society.Military and warfare"
POLITICS = "History and Society.Politics and government"
BIOLOGY = "STEM.Biology"
MEDICINE = "STEM.Medicine & Health"
PHYSICS = "STEM.Physics"
TECHNOLOGY = "STEM.Technology"
STEM = "STEM.STEM*"

TOPIC_LABELS: tuple[str, ...] = (
    BIOGRAPHY,
    LITERATURE,
    MUSIC,
    FILMS,
    SPORTS,
    FOOD,
    GEOGRAPHICAL,
    EUROPE,
    ASIA,
    NORTH_AMERICA,
    BUSINESS,
    MILITARY,
    POLITICS,
    BIOLOGY,
    MEDICINE,
    PHYSICS,
    TECHNOLOGY,
    STEM,
)
"""The 18 topic labels of the demo topic models, in the ORES taxonomy's spelling."""


@dataclass(frozen=True)
class Country:
    """A country of a region: its name, demonym, cities and Wikidata item id."""

    name: str
    demonym: str
    cities: tuple[str, ...]
    qid: str


REGIONS: dict[str, tuple[Country, ...]] = {
    EUROPE: (
        Country("France", "French", ("Lyon", "Bordeaux", "Lille", "Nantes"), "Q142"),
        Country("Germany", "German", ("Leipzig", "Hamburg", "Dresden", "Cologne"), "Q183"),
        Country("Italy", "Italian", ("Turin", "Bologna", "Verona", "Genoa"), "Q38"),
        Country("Poland", "Polish", ("Kraków", "Gdańsk", "Wrocław", "Poznań"), "Q36"),
        Country("Sweden", "Swedish", ("Uppsala", "Malmö", "Gothenburg", "Lund"), "Q34"),
    ),
    ASIA: (
        Country("Japan", "Japanese", ("Osaka", "Kyoto", "Sapporo", "Sendai"), "Q17"),
        Country("India", "Indian", ("Chennai", "Pune", "Kolkata", "Jaipur"), "Q668"),
        Country("Vietnam", "Vietnamese", ("Hanoi", "Hue", "Da Nang", "Haiphong"), "Q881"),
        Country("Indonesia", "Indonesian", ("Bandung", "Surabaya", "Medan"), "Q252"),
    ),
    NORTH_AMERICA: (
        Country("United States", "American", ("Chicago", "Boston", "Denver", "Tucson"), "Q30"),
        Country("Canada", "Canadian", ("Toronto", "Winnipeg", "Halifax", "Calgary"), "Q16"),
        Country("Mexico", "Mexican", ("Monterrey", "Puebla", "Guadalajara"), "Q96"),
    ),
}

# -- name pools -------------------------------------------------------------------------

FIRST_NAMES = (
    "Anna", "Marek", "Elise", "Tomas", "Hiroshi", "Priya", "Lucia", "Daniel", "Ingrid",
    "Rafael", "Mei", "Oskar", "Clara", "Javier", "Aiko", "Samuel", "Nadia", "Viktor",
    "Helena", "Arjun", "Margot", "Felix", "Rosa", "Kenji", "Sofia", "Henrik",
)  # fmt: skip
LAST_NAMES = (
    "Kowalczyk", "Lindqvist", "Moreau", "Bianchi", "Tanaka", "Raman", "Alvarez", "Becker",
    "Nguyen", "Hartmann", "Okafor", "Castellano", "Sorensen", "Iyer", "Whitfield",
    "Delacroix", "Nakamura", "Petrov", "Santoro", "Holmberg", "Vance", "Ferreira",
)  # fmt: skip
WORK_WORDS = (
    "Silent", "Harbour", "Winter", "Light", "Glass", "River", "Northern", "Garden",
    "Salt", "Letters", "Summer", "Crossing", "Iron", "Orchard", "Distant", "Shore",
    "Paper", "Lanterns", "Hollow", "Season", "Blue", "Meridian", "Quiet", "Fields",
)  # fmt: skip
ORG_WORDS = (
    "Northwind", "Meridian", "Brightline", "Halcyon", "Arcadia", "Keystone", "Bluefield",
    "Ironbridge", "Silverlake", "Crescent", "Summit", "Harbor",
)  # fmt: skip
ORG_SUFFIXES = ("Holdings", "Group", "Industries", "Systems", "Foods", "Logistics", "Labs")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
PUBLISHERS = (
    "The Guardian", "BBC News", "The New York Times", "Reuters", "Associated Press",
    "The Times of India", "Le Monde", "Der Spiegel", "The Globe and Mail", "Nature",
    "Oxford University Press", "Cambridge University Press", "The Japan Times",
)  # fmt: skip
NEWS_DOMAINS = (
    "www.theguardian.com", "www.bbc.co.uk", "www.nytimes.com", "www.reuters.com",
    "apnews.com", "timesofindia.indiatimes.com", "www.lemonde.fr", "www.spiegel.de",
    "www.theglobeandmail.com", "www.nature.com", "academic.oup.com", "www.cambridge.org",
    "www.japantimes.co.jp",
)  # fmt: skip
GENERA = ("Pachyrana", "Leptocarpus", "Silvicola", "Rhodomys", "Calodendron", "Anisoptera")
EPITHETS = ("borealis", "montana", "lindqvisti", "minor", "sylvatica", "orientalis", "tanakae")
PRODUCT_PARTS = (
    ("Open", "Quill", "Nimbus", "Vector", "Lumen", "Cobalt", "Atlas"),
    ("Ledger", "DB", "OS", "Studio", "Sync", "Forge", "Kit"),
)
PHYSICS_CONCEPTS = (
    "Quantum tunnelling", "Superconductivity", "Neutrino oscillation", "Photoelectric effect",
    "Thermal radiation", "Bose–Einstein condensate", "Magnetic resonance", "Spin–orbit coupling",
    "Cosmic microwave background", "Superfluidity",
)  # fmt: skip
DISEASES = (
    "Lyme disease", "Tuberculosis", "Malaria", "Type 2 diabetes", "Influenza", "Asthma",
    "Measles", "Cholera", "Hepatitis B", "Psoriasis", "Dengue fever",
)  # fmt: skip
DISHES: dict[str, tuple[str, ...]] = {
    EUROPE: ("Pierogi", "Cassoulet", "Risotto alla milanese", "Sauerbraten", "Kanelbulle"),
    ASIA: ("Okonomiyaki", "Masala dosa", "Phở", "Rendang", "Takoyaki"),
    NORTH_AMERICA: ("Poutine", "Tamales", "Clam chowder", "Chiles en nogada", "Jambalaya"),
}

# -- subject kinds ----------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectKind:
    """A kind of article subject: its topic labels, title pattern and sentence templates.

    ``regional`` subjects also get the topic label of a region and are set in one of its
    countries. ``person`` subjects get first/last names and pronouns.
    """

    key: str
    topics: tuple[str, ...]
    regional: bool
    person: bool
    title: str
    leads: tuple[str, ...]
    sentences: tuple[str, ...]
    sections: tuple[str, ...]
    infobox: str
    categories: tuple[str, ...]
    stub: str


SUBJECT_KINDS: tuple[SubjectKind, ...] = (
    SubjectKind(
        "writer",
        (BIOGRAPHY, LITERATURE),
        True,
        True,
        "{first} {last}",
        (
            "'''{title}''' (born {born}) is a {demonym} novelist, poet and essayist.",
            "'''{title}''' ({born}–{died}) was a {demonym} writer and literary critic.",
        ),
        (
            "{last} published {his} first novel, ''{work}'', in {year}.",
            "The novel was praised by critics for its prose and its portrait of {place}.",
            "{His} poetry collection ''{work}'' explores memory, exile and family.",
            "{He} studied literature at the University of {place} before working as an "
            "editor of a literary magazine.",
            "''{work}'' was translated into {number} languages and adapted for the stage.",
            "Critics have compared {last}'s narrative style to that of the modernist authors.",
            "{He} received the national prize for fiction in {year} for the novel ''{work}''.",
            "{His} essays on poetry and translation were collected in ''{work}'' ({year}).",
            "The book follows three generations of a family in {place} and became a bestseller.",
            "{last} taught creative writing and published short stories in literary journals.",
        ),
        ("Early life", "Literary career", "Style and themes", "Bibliography", "Legacy"),
        "Infobox writer",
        ("{demonym} novelists", "{demonym} poets", "20th-century {demonym} writers"),
        "{demonym}-writer-stub",
    ),
    SubjectKind(
        "musician",
        (BIOGRAPHY, MUSIC),
        True,
        True,
        "{first} {last}",
        (
            "'''{title}''' (born {born}) is a {demonym} singer, songwriter and pianist.",
            "'''{title}''' ({born}–{died}) was a {demonym} composer and conductor.",
        ),
        (
            "{last} released {his} debut album ''{work}'' in {year} on an independent label.",
            "The album's lead single reached number {number} on the national singles chart.",
            "{He} studied piano and composition at the conservatory in {place}.",
            "{His} band toured Europe and recorded a live album at a jazz festival.",
            "The symphony was premiered by the orchestra of {place} in {year}.",
            "{He} has written songs for several other artists and produced their records.",
            "Critics praised the album for its melodies, lyrics and sparse arrangements.",
            "{last} won a music award for best album in {year}.",
            "{His} concerts combine folk songs with electronic music and guitar.",
        ),
        ("Early life", "Musical career", "Musical style", "Discography", "Awards"),
        "Infobox musical artist",
        ("{demonym} singers", "{demonym} songwriters", "{demonym} composers"),
        "{demonym}-musician-stub",
    ),
    SubjectKind(
        "athlete",
        (BIOGRAPHY, SPORTS),
        True,
        True,
        "{first} {last}",
        (
            "'''{title}''' (born {born}) is a {demonym} professional footballer who plays as "
            "a midfielder.",
            "'''{title}''' (born {born}) is a {demonym} former tennis player.",
        ),
        (
            "{last} made {his} debut for the national team in a match against {country} in "
            "{year}.",
            "{He} scored {number} goals in {his} first season with the club.",
            "{He} won the league championship and the national cup with {org} in {year}.",
            "At the Olympic Games {he} reached the semi-final of the tournament.",
            "{last} signed a three-year contract with the club after a successful loan.",
            "{His} coach described {him} as the best young player of {his} generation.",
            "{He} retired from professional sport after a knee injury in {year}.",
            "The team finished second in the league and qualified for the European cup.",
        ),
        ("Early life", "Club career", "International career", "Style of play", "Honours"),
        "Infobox football biography",
        ("{demonym} footballers", "{demonym} sportspeople", "Olympic athletes of {country}"),
        "{demonym}-sport-bio-stub",
    ),
    SubjectKind(
        "politician",
        (BIOGRAPHY, POLITICS),
        True,
        True,
        "{first} {last}",
        (
            "'''{title}''' (born {born}) is a {demonym} politician who has served as a member "
            "of parliament since {year}.",
            "'''{title}''' ({born}–{died}) was a {demonym} politician and diplomat.",
        ),
        (
            "{last} was elected mayor of {place} in {year} as the candidate of the party.",
            "{He} served as minister of finance in the coalition government.",
            "During {his} term the government passed a reform of the election law.",
            "{He} was re-elected to parliament in the general election of {year}.",
            "{last} led the opposition party and campaigned on housing and taxation policy.",
            "{He} resigned from the cabinet after a dispute over the national budget.",
            "The parliament approved {his} proposal for a constitutional amendment.",
            "{He} was appointed ambassador to {country} by the president in {year}.",
        ),
        ("Early life", "Political career", "Political positions", "Electoral history"),
        "Infobox officeholder",
        ("{demonym} politicians", "Members of the Parliament of {country}"),
        "{demonym}-politician-stub",
    ),
    SubjectKind(
        "film",
        (FILMS,),
        True,
        False,
        "{work} (film)",
        (
            "'''''{work}''''' is a {year} {demonym} drama film directed by {person}.",
            "'''''{work}''''' is a {year} {demonym} comedy film written and directed by "
            "{person}.",
        ),
        (
            "The film premiered at the film festival in {place} in {year}.",
            "Principal photography took place in {place} over eight weeks.",
            "The film follows a young teacher who returns to {his} home town.",
            "It received positive reviews from critics, who praised the cinematography and "
            "the lead actress.",
            "The film grossed ${number} million at the box office.",
            "The screenplay was adapted from the novel ''{work}''.",
            "The director cast mostly non-professional actors from {place}.",
            "The film was nominated for the award for best foreign language film.",
        ),
        ("Plot", "Cast", "Production", "Release", "Reception", "Accolades"),
        "Infobox film",
        ("{year} films", "{demonym} drama films", "Films shot in {country}"),
        "{year}-film-stub",
    ),
    SubjectKind(
        "album",
        (MUSIC,),
        False,
        False,
        "{work} (album)",
        (
            "'''''{work}''''' is the second studio album by the rock band {org}, released in "
            "{year}.",
            "'''''{work}''''' is a jazz album recorded by the pianist {person} in {year}.",
        ),
        (
            "The album was recorded in a studio over three weeks with producer {person}.",
            "Its lead single reached number {number} on the singles chart.",
            "Critics praised the album's songs, guitar melodies and lyrics.",
            "The band toured in support of the album and played {number} concerts.",
            "The record was certified gold for sales of {number},000 copies.",
            "The songs mix rock, folk and electronic music.",
        ),
        (
            "Background",
            "Recording",
            "Composition",
            "Release",
            "Critical reception",
            "Track listing",
        ),
        "Infobox album",
        ("{year} albums", "Rock albums"),
        "{year}-album-stub",
    ),
    SubjectKind(
        "battle",
        (MILITARY,),
        True,
        False,
        "Battle of {place}",
        (
            "The '''Battle of {place}''' was fought in {year} near {place}, {country}.",
            "The '''Battle of {place}''' was a military engagement of the war of {year}.",
        ),
        (
            "The army of {number},000 soldiers attacked the fortified town at dawn.",
            "The infantry and cavalry were forced to retreat after heavy artillery fire.",
            "The siege lasted {number} days before the garrison surrendered.",
            "The general was wounded and command passed to his deputy.",
            "Casualties on both sides were estimated at {number},000 killed or wounded.",
            "The defeat ended the campaign and led to a peace treaty.",
            "The regiment captured the bridge and held it against several counterattacks.",
            "Naval forces blockaded the harbour during the war.",
        ),
        ("Background", "Prelude", "Battle", "Aftermath", "Legacy"),
        "Infobox military conflict",
        ("Battles involving {country}", "Conflicts in {year}"),
        "military-history-stub",
    ),
    SubjectKind(
        "settlement",
        (GEOGRAPHICAL,),
        True,
        False,
        "{city}",
        (
            "'''{title}''' is a city in {country} and the seat of its province.",
            "'''{title}''' is a town and municipality in {country}, on the bank of the river.",
        ),
        (
            "The city has a population of {number},000 according to the {year} census.",
            "It lies on the river, {number} kilometres from the coast, at an elevation of "
            "{number} metres.",
            "The town was founded in the Middle Ages as a market on the trade route.",
            "The climate is temperate, with warm summers and cold winters.",
            "The old town, with its cathedral and market square, is a tourist attraction.",
            "The municipality covers an area of {number} square kilometres.",
            "The city is connected by rail and motorway to {place}.",
            "The region around the city is known for its forests, lakes and mountains.",
        ),
        ("History", "Geography", "Climate", "Demographics", "Economy", "Transport"),
        "Infobox settlement",
        ("Cities in {country}", "Populated places in {country}"),
        "{country}-geo-stub",
    ),
    SubjectKind(
        "company",
        (BUSINESS,),
        True,
        False,
        "{org}",
        (
            "'''{title}''' is a {demonym} multinational company headquartered in {place}.",
            "'''{title}''' is a {demonym} retail and logistics company founded in {year}.",
        ),
        (
            "The company reported revenue of ${number} million and a net profit in {year}.",
            "It was listed on the stock exchange in {year} after an initial public offering.",
            "The firm employs {number},000 people and operates factories in {country}.",
            "In {year} it acquired a competitor in a deal valued at ${number} million.",
            "Its shareholders approved a merger with a logistics group.",
            "The chief executive announced a restructuring and the sale of the retail business.",
            "The company's main markets are manufacturing, trade and financial services.",
        ),
        ("History", "Operations", "Finances", "Ownership", "Subsidiaries"),
        "Infobox company",
        ("Companies based in {place}", "{demonym} companies established in {year}"),
        "{country}-company-stub",
    ),
    SubjectKind(
        "species",
        (BIOLOGY, STEM),
        False,
        False,
        "{species}",
        (
            "'''''{title}''''' is a species of frog in the family Ranidae.",
            "'''''{title}''''' is a species of flowering plant in the genus ''{genus}''.",
        ),
        (
            "The species was first described by the botanist {person} in {year}.",
            "Its natural habitat is subtropical moist forest and freshwater marshes.",
            "Adults reach a length of {number} millimetres and feed on insects.",
            "The plant produces small white flowers and its seeds are dispersed by birds.",
            "It is threatened by habitat loss and is listed as vulnerable.",
            "Genetic analysis of its DNA placed the species in a separate clade.",
            "The females lay eggs in ponds and the larvae develop in water.",
            "The leaves are arranged in pairs along the stem.",
        ),
        ("Taxonomy", "Description", "Distribution and habitat", "Ecology", "Conservation"),
        "Speciesbox",
        ("Frogs described in {year}", "Flora of Asia"),
        "Ranidae-stub",
    ),
    SubjectKind(
        "software",
        (TECHNOLOGY, STEM),
        False,
        False,
        "{product}",
        (
            "'''{title}''' is an open-source database management system written in C++.",
            "'''{title}''' is a software framework for building web applications.",
        ),
        (
            "Version {number}.0 was released in {year} with support for distributed storage.",
            "The software runs on Linux, Windows and macOS computers.",
            "It is developed by a community of programmers and released under the MIT licence.",
            "The engine uses a query language and an in-memory cache to improve performance.",
            "Developers can extend it with plugins through a public API.",
            "The project's source code is hosted on a public repository.",
            "Its network protocol encrypts data sent between servers.",
            "Benchmarks showed that the algorithm processes data faster on multi-core "
            "processors.",
        ),
        ("History", "Features", "Architecture", "Adoption", "Release history"),
        "Infobox software",
        ("Free software programmed in C++", "Database engines"),
        "software-stub",
    ),
    SubjectKind(
        "physics",
        (PHYSICS, STEM),
        False,
        False,
        "{concept}",
        (
            "'''{title}''' is a phenomenon in physics in which particles behave according to "
            "quantum mechanics.",
            "In physics, '''{title}''' refers to the behaviour of matter at very low "
            "temperature.",
        ),
        (
            "The effect was first observed in a laboratory experiment by {person} in {year}.",
            "The energy of the electron depends on the frequency of the incident photon.",
            "The theory predicts that the magnetic field is expelled below a critical "
            "temperature.",
            "Measurements of the particle's mass and spin agree with the standard model.",
            "The wave function of the system obeys the Schrödinger equation.",
            "Applications include lasers, semiconductors and particle detectors.",
            "Physicists measured the radiation spectrum with a spectrometer.",
            "The phenomenon is explained by the interaction of atoms with the "
            "electromagnetic field.",
        ),
        ("History", "Theory", "Experimental observation", "Applications"),
        "Infobox physics",
        ("Quantum mechanics", "Condensed matter physics"),
        "physics-stub",
    ),
    SubjectKind(
        "disease",
        (MEDICINE, STEM),
        False,
        False,
        "{disease}",
        (
            "'''{title}''' is an infectious disease caused by bacteria and spread by insects.",
            "'''{title}''' is a chronic disease that affects the lungs and breathing.",
        ),
        (
            "Common symptoms include fever, headache, fatigue and a skin rash.",
            "Diagnosis is based on symptoms and confirmed by a blood test.",
            "Treatment with antibiotics is usually effective if started early.",
            "The disease affects about {number} million patients worldwide each year.",
            "A vaccine is available and is recommended for children.",
            "Risk factors include smoking, obesity and a weakened immune system.",
            "Clinical trials tested a new drug in {number} hospitals.",
            "Doctors recommend prevention through hygiene and insect repellent.",
        ),
        ("Signs and symptoms", "Cause", "Diagnosis", "Prevention", "Treatment", "Epidemiology"),
        "Infobox medical condition",
        ("Infectious diseases", "Diseases of the lungs"),
        "medicine-stub",
    ),
    SubjectKind(
        "dish",
        (FOOD,),
        True,
        False,
        "{dish}",
        (
            "'''{title}''' is a traditional {demonym} dish of meat, rice and vegetables.",
            "'''{title}''' is a {demonym} soup made with noodles, broth and herbs.",
        ),
        (
            "The dish is cooked slowly with onions, garlic and spices.",
            "It is usually served with bread or rice and a glass of wine.",
            "The recipe originated in the kitchens of {place} in the 19th century.",
            "Regional variations use pork, beef, chicken or fish.",
            "The dough is filled with cheese and potatoes and then fried in butter.",
            "Restaurants in {place} serve it as a street food and as a dessert.",
            "The sauce is flavoured with pepper, salt, sugar and vinegar.",
        ),
        ("History", "Preparation", "Variations", "Cultural significance"),
        "Infobox food",
        ("{demonym} cuisine", "National dishes"),
        "{demonym}-cuisine-stub",
    ),
)

GENERAL_SENTENCES = (
    "In {year}, the subject was discussed in an article in a national newspaper.",
    "A museum exhibition about the subject opened in {place} in {year}.",
    "The archive in {place} holds letters and photographs from this period.",
    "Several later studies have examined the subject in more detail.",
    "A documentary about {title} was broadcast on national television in {year}.",
    "This account has been disputed by some historians.",
)

# -- words a copyeditor fixes -----------------------------------------------------------

TYPOS = {
    "received": "recieved",
    "government": "goverment",
    "successful": "succesful",
    "published": "publised",
    "performance": "perfomance",
    "population": "popluation",
    "the": "teh",
    "which": "wich",
}

# -- vandalism, spam and attacks --------------------------------------------------------

VANDAL_PHRASES = (
    "{first} is so stupid lol",
    "THIS IS THE WORST ARTICLE EVER!!!!!",
    "my friend {first} is gay haha",
    "poop poop poop",
    "{last} sucks and is a loser",
    "hi my name is {first} and i am awesome",
    "u r all dumb idiots",
    "fuck this shit",
    "JOHN WAS HERE!!!!!!!!",
    "yolo swag 420",
    "i hate school and this teacher sucks",
    "lolololololol",
    "{first} smells like crap",
    "BUTT BUTT BUTT",
)
NONSENSE = (
    "asdfghjkl",
    "jdjdjdjdjdjdjd",
    "qwertyuiop",
    "fgfgfgfghfgh",
    "aaaaaaaaaaaaaaaaaaaa",
    "hjkhjkhjkhjk",
    "zxcvbnmzxcvbnm",
    "blahblahblah",
)
SPAM_LINKS = (
    "[http://www.cheap-watches-discount.example.com Buy cheap watches online]",
    "[http://best-casino-bonus.example.net Best online casino bonus 2024]",
    "Visit http://www.seo-rank-boost.example.org for the best SEO services!!!",
    "[http://weight-loss-pills.example.com Lose weight fast with our pills]",
    "Call now for a free quote: [http://www.plumber-deals.example.com Plumber deals]",
)
UNSOURCED_CLAIMS = (
    "It is widely considered to be the best {noun} in the world.",
    "Many people think this is the greatest {noun} of all time.",
    "{title} is really cool and very famous.",
    "I think that this is very important and interesting.",
    "It is the most amazing {noun} ever made.",
    "Some say that {title} will become even more popular in the future.",
)
TEST_EDITS = ("Hello", "test", "testing 123", "Hello world!", "Is this working?", "hi")
SPAM_SENTENCES = (
    "{org} is a leading provider of innovative, world-class solutions for businesses.",
    "Our award-winning team delivers cutting-edge services to thousands of satisfied customers.",
    "Contact us today for a free consultation and discover why we are the best in the industry!",
    "{org} offers the best prices and premium quality guaranteed.",
    "With over {number} years of experience, we are your trusted partner for success.",
    "Visit our website and follow us on social media for exclusive offers.",
    "Our mission is to empower clients with innovative digital marketing strategies.",
    "Call {number}-555-0199 now to book your appointment!",
)
ATTACK_SENTENCES = (
    "{first} {last} is a stupid idiot and everyone at school hates {him}.",
    "{first} {last} is the ugliest loser in {place} and smells terrible.",
    "{He} is a liar and a thief and should be in jail.",
    "Nobody likes {first} because {he} is fat and dumb.",
    "{first} {last} is a worthless moron who cheats on every test.",
    "Everyone knows that {first} is a creep, stay away from {him}.",
)
HOAX_SENTENCES = (
    "{first} {last} is the king of the universe and invented the internet in 1850.",
    "{first} is a 12 year old boy who is the best gamer in the world.",
    "This page is about me, i like pizza and minecraft.",
    "{first} {last} is a dragon who lives on the moon with {his} cats.",
    "lol this is a fake page made by {first}",
)
