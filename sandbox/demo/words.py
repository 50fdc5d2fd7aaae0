"""Small word lists the demo data is drawn from. Addresses are made up; e-mail domains and IP ranges
are the ones reserved for documentation (example.com, 192.0.2.0/24, …), so nothing real is touched."""

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mateo", "Amelia", "Benjamin", "Harper", "Henry", "Evelyn", "Theodore", "Aria", "Jack",
    "Camila", "Levi", "Chloe", "Samuel", "Priya", "Wei", "Fatima", "Diego", "Hannah", "Omar",
    "Grace", "Kenji", "Zoe", "Malik", "Nora", "Rafael", "Leah", "Andre", "Ingrid", "Tomás",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
    "Martin", "Lee", "Nguyen", "Patel", "Kim", "Chen", "Okafor", "Schmidt", "O'Brien", "Rossi",
    "Haddad", "Kowalski", "Yamamoto", "Silva", "Novak", "Fischer", "Bennett", "Brooks",
)  # fmt: skip

COMPANIES = (
    "Bluebird Interiors", "Northwind Traders", "Cedar & Pine Studio", "Harbor Dental Group",
    "Summit Outdoor Co.", "Maple Street Bakery", "Brightside Yoga", "Copperleaf Design",
    "Riverbend Veterinary", "Lantern Coffee Roasters", "Ironwood Fitness", "Tidewater Books",
)  # fmt: skip

STREETS = (
    "Maple Ave", "Oak St", "Cedar Ln", "Pine St", "Elm St", "Washington Blvd", "Lakeview Dr",
    "Park Pl", "Sunset Blvd", "Highland Ave", "River Rd", "Church St", "Mill Rd", "Broadway",
    "Chestnut St", "Willow Way", "Meadow Ln", "Hillcrest Dr", "Spring St", "Harbor Blvd",
)  # fmt: skip

# (city, state, ZIP prefix, phone area code)
CITIES = (
    ("Portland", "OR", "972", "503"), ("Seattle", "WA", "981", "206"), ("San Diego", "CA", "921", "619"),
    ("Sacramento", "CA", "958", "916"), ("Oakland", "CA", "946", "510"), ("Denver", "CO", "802", "303"),
    ("Austin", "TX", "787", "512"), ("Houston", "TX", "770", "713"), ("Chicago", "IL", "606", "312"),
    ("Madison", "WI", "537", "608"), ("Minneapolis", "MN", "554", "612"), ("Nashville", "TN", "372", "615"),
    ("Atlanta", "GA", "303", "404"), ("Raleigh", "NC", "276", "919"), ("Richmond", "VA", "232", "804"),
    ("Brooklyn", "NY", "112", "718"), ("Buffalo", "NY", "142", "716"), ("Boston", "MA", "021", "617"),
    ("Providence", "RI", "029", "401"), ("Burlington", "VT", "054", "802"), ("Phoenix", "AZ", "850", "602"),
    ("Salt Lake City", "UT", "841", "801"), ("Boise", "ID", "837", "208"), ("Omaha", "NE", "681", "402"),
    ("Columbus", "OH", "432", "614"), ("Pittsburgh", "PA", "152", "412"), ("Miami", "FL", "331", "305"),
    ("Tampa", "FL", "336", "813"), ("New Orleans", "LA", "701", "504"), ("Anchorage", "AK", "995", "907"),
)  # fmt: skip

# Sales tax charged per state (a rough flat rate is enough for demo orders).
TAX_RATES = {"CA": "0.0725", "WA": "0.065", "TX": "0.0625", "NY": "0.04", "IL": "0.0625", "CO": "0.029"}

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")

# (source_name, weight)
SOURCES = (
    ("Shopify", 34), ("WooCommerce", 18), ("Amazon", 15), ("eBay", 9), ("Etsy", 9),
    ("Order Desk", 7), ("BigCommerce", 5), ("Squarespace", 3),
)  # fmt: skip

# (label, carrier, shipment method, base price)
SHIPPING_METHODS = (
    ("USPS Ground Advantage", "USPS", "Ground Advantage", "5.95"),
    ("USPS Priority Mail", "USPS", "Priority Mail", "8.95"),
    ("UPS Ground", "UPS", "Ground", "9.50"),
    ("UPS 2nd Day Air", "UPS", "2nd Day Air", "18.75"),
    ("FedEx Home Delivery", "FedEx", "Home Delivery", "10.25"),
    ("FedEx 2Day", "FedEx", "2Day", "21.40"),
)

CARD_TYPES = ("Visa", "Visa", "MasterCard", "MasterCard", "American Express", "Discover")

DISCOUNTS = (
    ("Welcome Offer", "WELCOME10", "percent", "10"),
    ("Spring Sale", "SPRING15", "percent", "15"),
    ("Loyalty Reward", "LOYAL5", "fixed", "5.00"),
    ("Free Shipping Promo", "", "fixed", "4.00"),
)

NOTE_TEXTS = (
    "Customer asked for gift wrapping.",
    "Leave at the side door, per the customer's phone call.",
    "Address verified with the customer by phone.",
    "Expedite if possible: birthday present for Friday.",
    "Replacement for an item damaged in a previous order.",
    "Customer wants the invoice without prices.",
)
NOTE_AUTHORS = ("Support", "Dana (Warehouse)", "Sam (Customer Care)")

GIFT_MESSAGES = (
    "Happy birthday! Love, the Millers",
    "Congratulations on the new place!",
    "Thinking of you. Get well soon.",
    "Thank you for everything this year.",
)
DELIVERY_NOTES = ("Please ring the bell twice.", "Leave with the front desk.", "Gate code 4412.")

# (name, code prefix, category, price range, weight in lb, {option: (value, abbreviation)…})
SIZES = (("Small", "S"), ("Medium", "M"), ("Large", "L"), ("X-Large", "XL"))
COLORS = (
    ("Black", "BLK"),
    ("Navy", "NAV"),
    ("Heather Gray", "GRY"),
    ("Forest Green", "GRN"),
    ("Sand", "SND"),
)
PRODUCTS = (
    ("Organic Cotton Tee", "TEE", "APPAREL", (18, 32), 0.35, {"Size": SIZES, "Color": COLORS}),
    ("Merino Wool Beanie", "BNE", "APPAREL", (22, 36), 0.2, {"Color": COLORS}),
    ("Trail Running Socks", "SCK", "APPAREL", (12, 18), 0.15, {"Size": SIZES[:3], "Color": COLORS[:3]}),
    ("Fleece Quarter-Zip", "FQZ", "APPAREL", (54, 78), 0.9, {"Size": SIZES, "Color": COLORS[:4]}),
    ("Canvas Tote Bag", "TOT", "BAGS", (19, 29), 0.6, {"Color": COLORS}),
    ("Waxed Canvas Backpack", "BPK", "BAGS", (89, 139), 2.1, {"Color": COLORS[:3]}),
    ("Ceramic Pour-Over Dripper", "DRP", "KITCHEN", (24, 34), 1.1,
     {"Color": (("White", "WHT"), ("Slate", "SLT"))}),
    ("Insulated Water Bottle", "BTL", "KITCHEN", (25, 42), 0.8,
     {"Size": (("500 ml", "500"), ("750 ml", "750"), ("1 L", "1L")), "Color": COLORS}),
    ("Bamboo Cutting Board", "CBD", "KITCHEN", (19, 45), 2.4, {"Size": SIZES[:3]}),
    ("Single-Origin Coffee Beans", "COF", "GROCERY", (14, 38), 0.75,
     {"Roast": (("Light", "LT"), ("Medium", "MD"), ("Dark", "DK")),
      "Size": (("12 oz", "12OZ"), ("2 lb", "2LB"))}),
    ("Loose Leaf Green Tea", "TEA", "GROCERY", (9, 24), 0.3,
     {"Blend": (("Sencha", "SEN"), ("Jasmine", "JAS"), ("Genmaicha", "GEN"), ("Mint", "MNT"))}),
    ("Soy Wax Candle", "CDL", "HOME", (16, 28), 0.9,
     {"Scent": (("Cedar", "CED"), ("Lavender", "LAV"), ("Fig", "FIG"), ("Sea Salt", "SEA"),
                ("Amber", "AMB"))}),
    ("Linen Throw Pillow", "PLW", "HOME", (32, 48), 1.3, {"Color": COLORS}),
    ("Leather Card Wallet", "WLT", "ACCESSORIES", (29, 49), 0.2,
     {"Color": (("Cognac", "COG"), ("Black", "BLK"), ("Oxblood", "OXB"))}),
    ("Polarized Sunglasses", "SUN", "ACCESSORIES", (45, 95), 0.1,
     {"Frame": (("Tortoise", "TRT"), ("Matte Black", "MBK"), ("Crystal", "CRY"))}),
    ("Wireless Charging Pad", "CHG", "ELECTRONICS", (24, 39), 0.4,
     {"Color": (("White", "WHT"), ("Black", "BLK"))}),
    ("Braided USB-C Cable", "USB", "ELECTRONICS", (9, 19), 0.1,
     {"Length": (("3 ft", "3FT"), ("6 ft", "6FT"), ("10 ft", "10FT")), "Color": COLORS[:3]}),
    ("Mini Bluetooth Speaker", "SPK", "ELECTRONICS", (39, 69), 0.7, {"Color": COLORS}),
    ("Cork Yoga Mat", "YGM", "FITNESS", (48, 79), 3.2, {"Thickness": (("4 mm", "4MM"), ("6 mm", "6MM"))}),
    ("Resistance Band Set", "RBS", "FITNESS", (19, 34), 0.9,
     {"Level": (("Light", "LT"), ("Medium", "MD"), ("Heavy", "HV"))}),
    ("Dot Grid Notebook", "NTB", "STATIONERY", (12, 24), 0.6,
     {"Size": (("A5", "A5"), ("A6", "A6")), "Color": COLORS}),
    ("Fine Liner Pen Set", "PEN", "STATIONERY", (14, 26), 0.2,
     {"Pack": (("6 pens", "6PK"), ("12 pens", "12PK"))}),
    ("Beeswax Lip Balm", "LIP", "BEAUTY", (4, 8), 0.05,
     {"Flavor": (("Vanilla", "VAN"), ("Peppermint", "PEP"), ("Honey", "HNY"), ("Unscented", "UNS"))}),
    ("Shea Hand Cream", "HND", "BEAUTY", (11, 19), 0.3, {"Scent": (("Lavender", "LAV"), ("Citrus", "CIT"))}),
    ("Rope Dog Toy", "DOG", "PETS", (9, 16), 0.4, {"Size": SIZES[:3]}),
    ("Terracotta Succulent Planter", "PLT", "GARDEN", (14, 36), 1.8, {"Size": SIZES[:3]}),
    ("Slub Cotton Hoodie", "HOO", "APPAREL", (48, 68), 1.1, {"Size": SIZES, "Color": COLORS}),
    ("Everyday Crew Socks 3-Pack", "CRW", "APPAREL", (16, 22), 0.3, {"Size": SIZES[:3], "Color": COLORS}),
    ("Stoneware Mug", "MUG", "KITCHEN", (16, 24), 0.9,
     {"Size": (("12 oz", "12OZ"), ("16 oz", "16OZ")), "Color": COLORS}),
    ("Enamel Camp Mug", "ENM", "KITCHEN", (14, 19), 0.5, {"Color": COLORS}),
    ("Linen Napkin Set", "NAP", "HOME", (24, 38), 0.7, {"Pack": (("Set of 4", "4PK"), ("Set of 6", "6PK")),
     "Color": COLORS}),
    ("Wool Dryer Balls", "DRY", "HOME", (14, 24), 0.5, {"Pack": (("3 balls", "3PK"), ("6 balls", "6PK"))}),
    ("Hand-Poured Soap Bar", "SOP", "BEAUTY", (7, 12), 0.3,
     {"Scent": (("Oatmeal", "OAT"), ("Eucalyptus", "EUC"), ("Rose", "ROS"), ("Charcoal", "CHR"),
                ("Lemongrass", "LEM"), ("Unscented", "UNS"))}),
    ("Bamboo Toothbrush", "BTB", "BEAUTY", (6, 14), 0.1,
     {"Pack": (("2-pack", "2PK"), ("4-pack", "4PK")), "Color": COLORS[:4]}),
    ("Recycled Phone Case", "PHN", "ELECTRONICS", (24, 39), 0.1,
     {"Model": (("iPhone 15", "IP15"), ("iPhone 16", "IP16"), ("Pixel 9", "PX9"), ("Galaxy S24", "S24"),
                ("Galaxy S25", "S25")), "Color": COLORS[:4]}),
    ("Felt Laptop Sleeve", "LAP", "BAGS", (29, 44), 0.6,
     {"Size": (("13 in", "13IN"), ("14 in", "14IN"), ("16 in", "16IN")), "Color": COLORS[:3]}),
    ("Kids Rain Boots", "KRB", "APPAREL", (29, 39), 1.4,
     {"Size": (("Kids 8", "K8"), ("Kids 9", "K9"), ("Kids 10", "K10"), ("Kids 11", "K11"), ("Kids 12", "K12"),
               ("Kids 13", "K13")), "Color": (("Yellow", "YEL"), ("Red", "RED"), ("Navy", "NAV"))}),
    ("Jigsaw Puzzle 1000 Pieces", "PZL", "TOYS", (19, 29), 1.2,
     {"Theme": (("Alpine Lake", "ALP"), ("Night Market", "NGT"), ("Botanicals", "BOT"), ("City Map", "MAP"),
                ("Coral Reef", "REF"), ("Bookshelf", "BKS"))}),
    ("Herb Seed Kit", "SED", "GARDEN", (12, 22), 0.4,
     {"Herb": (("Basil", "BAS"), ("Cilantro", "CIL"), ("Thyme", "THY"), ("Mint", "MNT"), ("Chives", "CHV"),
               ("Parsley", "PAR"))}),
    ("Feather Cat Wand", "CAT", "PETS", (7, 12), 0.1, {"Color": COLORS[:3]}),
    ("Nylon Dog Collar", "COL", "PETS", (14, 22), 0.2, {"Size": SIZES, "Color": COLORS[:4]}),
)  # fmt: skip

LOCATIONS = ("Warehouse A", "Warehouse B", "Shelf C-12", "Dropship", "Fulfillment Center")
UPDATE_SOURCES = ("Shopify", "Manual", "WooCommerce", "Order Desk", "Amazon")
