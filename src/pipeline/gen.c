/* pipeline/gen — the Northwind-shaped generator: embedded reference rows,
 * the deterministic value streams and the batch driver (see gen.h). */
#include "pipeline/gen.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "core/mem.h"

/* ---- the real reference rows ------------------------------------------ */

static const struct {
    const char *name, *description;
} categories[8] = {
    {"Beverages", "Soft drinks, coffees, teas, beers, and ales"},
    {"Condiments", "Sweet and savory sauces, relishes, spreads, and seasonings"},
    {"Confections", "Desserts, candies, and sweet breads"},
    {"Dairy Products", "Cheeses"},
    {"Grains/Cereals", "Breads, crackers, pasta, and cereal"},
    {"Meat/Poultry", "Prepared meats"},
    {"Produce", "Dried fruit and bean curd"},
    {"Seafood", "Seaweed and fish"},
};

typedef struct product {
    const char *name, *qpu;
    int16_t supplier, category;
    float price;
    int16_t stock, on_order, reorder;
    int32_t discontinued;
} product_t;

static const product_t products[77] = {
    {"Chai", "10 boxes x 30 bags", 8, 1, 18.0f, 39, 0, 10, 1},
    {"Chang", "24 - 12 oz bottles", 1, 1, 19.0f, 17, 40, 25, 1},
    {"Aniseed Syrup", "12 - 550 ml bottles", 1, 2, 10.0f, 13, 70, 25, 0},
    {"Chef Anton's Cajun Seasoning", "48 - 6 oz jars", 2, 2, 22.0f, 53, 0, 0, 0},
    {"Chef Anton's Gumbo Mix", "36 boxes", 2, 2, 21.35f, 0, 0, 0, 1},
    {"Grandma's Boysenberry Spread", "12 - 8 oz jars", 3, 2, 25.0f, 120, 0, 25, 0},
    {"Uncle Bob's Organic Dried Pears", "12 - 1 lb pkgs.", 3, 7, 30.0f, 15, 0, 10, 0},
    {"Northwoods Cranberry Sauce", "12 - 12 oz jars", 3, 2, 40.0f, 6, 0, 0, 0},
    {"Mishi Kobe Niku", "18 - 500 g pkgs.", 4, 6, 97.0f, 29, 0, 0, 1},
    {"Ikura", "12 - 200 ml jars", 4, 8, 31.0f, 31, 0, 0, 0},
    {"Queso Cabrales", "1 kg pkg.", 5, 4, 21.0f, 22, 30, 30, 0},
    {"Queso Manchego La Pastora", "10 - 500 g pkgs.", 5, 4, 38.0f, 86, 0, 0, 0},
    {"Konbu", "2 kg box", 6, 8, 6.0f, 24, 0, 5, 0},
    {"Tofu", "40 - 100 g pkgs.", 6, 7, 23.25f, 35, 0, 0, 0},
    {"Genen Shouyu", "24 - 250 ml bottles", 6, 2, 13.0f, 39, 0, 5, 0},
    {"Pavlova", "32 - 500 g boxes", 7, 3, 17.45f, 29, 0, 10, 0},
    {"Alice Mutton", "20 - 1 kg tins", 7, 6, 39.0f, 0, 0, 0, 1},
    {"Carnarvon Tigers", "16 kg pkg.", 7, 8, 62.5f, 42, 0, 0, 0},
    {"Teatime Chocolate Biscuits", "10 boxes x 12 pieces", 8, 3, 9.2f, 25, 0, 5, 0},
    {"Sir Rodney's Marmalade", "30 gift boxes", 8, 3, 81.0f, 40, 0, 0, 0},
    {"Sir Rodney's Scones", "24 pkgs. x 4 pieces", 8, 3, 10.0f, 3, 40, 5, 0},
    {"Gustaf's Knäckebröd", "24 - 500 g pkgs.", 9, 5, 21.0f, 104, 0, 25, 0},
    {"Tunnbröd", "12 - 250 g pkgs.", 9, 5, 9.0f, 61, 0, 25, 0},
    {"Guaraná Fantástica", "12 - 355 ml cans", 10, 1, 4.5f, 20, 0, 0, 1},
    {"NuNuCa Nuß-Nougat-Creme", "20 - 450 g glasses", 11, 3, 14.0f, 76, 0, 30, 0},
    {"Gumbär Gummibärchen", "100 - 250 g bags", 11, 3, 31.23f, 15, 0, 0, 0},
    {"Schoggi Schokolade", "100 - 100 g pieces", 11, 3, 43.9f, 49, 0, 30, 0},
    {"Rössle Sauerkraut", "25 - 825 g cans", 12, 7, 45.6f, 26, 0, 0, 1},
    {"Thüringer Rostbratwurst", "50 bags x 30 sausgs.", 12, 6, 123.79f, 0, 0, 0, 1},
    {"Nord-Ost Matjeshering", "10 - 200 g glasses", 13, 8, 25.89f, 10, 0, 15, 0},
    {"Gorgonzola Telino", "12 - 100 g pkgs", 14, 4, 12.5f, 0, 70, 20, 0},
    {"Mascarpone Fabioli", "24 - 200 g pkgs.", 14, 4, 32.0f, 9, 40, 25, 0},
    {"Geitost", "500 g", 15, 4, 2.5f, 112, 0, 20, 0},
    {"Sasquatch Ale", "24 - 12 oz bottles", 16, 1, 14.0f, 111, 0, 15, 0},
    {"Steeleye Stout", "24 - 12 oz bottles", 16, 1, 18.0f, 20, 0, 15, 0},
    {"Inlagd Sill", "24 - 250 g  jars", 17, 8, 19.0f, 112, 0, 20, 0},
    {"Gravad lax", "12 - 500 g pkgs.", 17, 8, 26.0f, 11, 50, 25, 0},
    {"Côte de Blaye", "12 - 75 cl bottles", 18, 1, 263.5f, 17, 0, 15, 0},
    {"Chartreuse verte", "750 cc per bottle", 18, 1, 18.0f, 69, 0, 5, 0},
    {"Boston Crab Meat", "24 - 4 oz tins", 19, 8, 18.4f, 123, 0, 30, 0},
    {"Jack's New England Clam Chowder", "12 - 12 oz cans", 19, 8, 9.65f, 85, 0, 10, 0},
    {"Singaporean Hokkien Fried Mee", "32 - 1 kg pkgs.", 20, 5, 14.0f, 26, 0, 0, 1},
    {"Ipoh Coffee", "16 - 500 g tins", 20, 1, 46.0f, 17, 10, 25, 0},
    {"Gula Malacca", "20 - 2 kg bags", 20, 2, 19.45f, 27, 0, 15, 0},
    {"Rogede sild", "1k pkg.", 21, 8, 9.5f, 5, 70, 15, 0},
    {"Spegesild", "4 - 450 g glasses", 21, 8, 12.0f, 95, 0, 0, 0},
    {"Zaanse koeken", "10 - 4 oz boxes", 22, 3, 9.5f, 36, 0, 0, 0},
    {"Chocolade", "10 pkgs.", 22, 3, 12.75f, 15, 70, 25, 0},
    {"Maxilaku", "24 - 50 g pkgs.", 23, 3, 20.0f, 10, 60, 15, 0},
    {"Valkoinen suklaa", "12 - 100 g bars", 23, 3, 16.25f, 65, 0, 30, 0},
    {"Manjimup Dried Apples", "50 - 300 g pkgs.", 24, 7, 53.0f, 20, 0, 10, 0},
    {"Filo Mix", "16 - 2 kg boxes", 24, 5, 7.0f, 38, 0, 25, 0},
    {"Perth Pasties", "48 pieces", 24, 6, 32.8f, 0, 0, 0, 1},
    {"Tourtière", "16 pies", 25, 6, 7.45f, 21, 0, 10, 0},
    {"Pâté chinois", "24 boxes x 2 pies", 25, 6, 24.0f, 115, 0, 20, 0},
    {"Gnocchi di nonna Alice", "24 - 250 g pkgs.", 26, 5, 38.0f, 21, 10, 30, 0},
    {"Ravioli Angelo", "24 - 250 g pkgs.", 26, 5, 19.5f, 36, 0, 20, 0},
    {"Escargots de Bourgogne", "24 pieces", 27, 8, 13.25f, 62, 0, 20, 0},
    {"Raclette Courdavault", "5 kg pkg.", 28, 4, 55.0f, 79, 0, 0, 0},
    {"Camembert Pierrot", "15 - 300 g rounds", 28, 4, 34.0f, 19, 0, 0, 0},
    {"Sirop d'érable", "24 - 500 ml bottles", 29, 2, 28.5f, 113, 0, 25, 0},
    {"Tarte au sucre", "48 pies", 29, 3, 49.3f, 17, 0, 0, 0},
    {"Vegie-spread", "15 - 625 g jars", 7, 2, 43.9f, 24, 0, 5, 0},
    {"Wimmers gute Semmelknödel", "20 bags x 4 pieces", 12, 5, 33.25f, 22, 80, 30, 0},
    {"Louisiana Fiery Hot Pepper Sauce", "32 - 8 oz bottles", 2, 2, 21.05f, 76, 0, 0, 0},
    {"Louisiana Hot Spiced Okra", "24 - 8 oz jars", 2, 2, 17.0f, 4, 100, 20, 0},
    {"Laughing Lumberjack Lager", "24 - 12 oz bottles", 16, 1, 14.0f, 52, 0, 10, 0},
    {"Scottish Longbreads", "10 boxes x 8 pieces", 8, 3, 12.5f, 6, 10, 15, 0},
    {"Gudbrandsdalsost", "10 kg pkg.", 15, 4, 36.0f, 26, 0, 15, 0},
    {"Outback Lager", "24 - 355 ml bottles", 7, 1, 15.0f, 15, 10, 30, 0},
    {"Flotemysost", "10 - 500 g pkgs.", 15, 4, 21.5f, 26, 0, 0, 0},
    {"Mozzarella di Giovanni", "24 - 200 g pkgs.", 14, 4, 34.8f, 14, 0, 0, 0},
    {"Röd Kaviar", "24 - 150 g jars", 17, 8, 15.0f, 101, 0, 5, 0},
    {"Longlife Tofu", "5 kg pkg.", 4, 7, 10.0f, 4, 20, 5, 0},
    {"Rhönbräu Klosterbier", "24 - 0.5 l bottles", 12, 1, 7.75f, 125, 0, 25, 0},
    {"Lakkalikööri", "500 ml", 23, 1, 18.0f, 57, 0, 20, 0},
    {"Original Frankfurter grüne Soße", "12 boxes", 12, 2, 13.0f, 32, 0, 15, 0},
};

typedef struct employee {
    const char *last, *first, *title, *courtesy, *birth, *hire, *address, *city, *region, *postal,
        *country, *phone, *ext;
    int16_t reports_to; /* 0 = NULL */
} employee_t;

static const employee_t employees[9] = {
    {"Davolio", "Nancy", "Sales Representative", "Ms.", "1948-12-08", "1992-05-01",
     "507 - 20th Ave. E. Apt. 2A", "Seattle", "WA", "98122", "USA", "(206) 555-9857", "5467", 2},
    {"Fuller", "Andrew", "Vice President, Sales", "Dr.", "1952-02-19", "1992-08-14",
     "908 W. Capital Way", "Tacoma", "WA", "98401", "USA", "(206) 555-9482", "3457", 0},
    {"Leverling", "Janet", "Sales Representative", "Ms.", "1963-08-30", "1992-04-01",
     "722 Moss Bay Blvd.", "Kirkland", "WA", "98033", "USA", "(206) 555-3412", "3355", 2},
    {"Peacock", "Margaret", "Sales Representative", "Mrs.", "1937-09-19", "1993-05-03",
     "4110 Old Redmond Rd.", "Redmond", "WA", "98052", "USA", "(206) 555-8122", "5176", 2},
    {"Buchanan", "Steven", "Sales Manager", "Mr.", "1955-03-04", "1993-10-17", "14 Garrett Hill",
     "London", NULL, "SW1 8JR", "UK", "(71) 555-4848", "3453", 2},
    {"Suyama", "Michael", "Sales Representative", "Mr.", "1963-07-02", "1993-10-17",
     "Coventry House, Miner Rd.", "London", NULL, "EC2 7JR", "UK", "(71) 555-7773", "428", 5},
    {"King", "Robert", "Sales Representative", "Mr.", "1960-05-29", "1994-01-02",
     "Edgeham Hollow, Winchester Way", "London", NULL, "RG1 9SP", "UK", "(71) 555-5598", "465", 5},
    {"Callahan", "Laura", "Inside Sales Coordinator", "Ms.", "1958-01-09", "1994-03-05",
     "4726 - 11th Ave. N.E.", "Seattle", "WA", "98105", "USA", "(206) 555-1189", "2344", 2},
    {"Dodsworth", "Anne", "Sales Representative", "Ms.", "1966-01-27", "1994-11-15",
     "7 Houndstooth Rd.", "London", NULL, "WG2 7LT", "UK", "(71) 555-4444", "452", 5},
};

/* Orders per employee and per shipper in the real data (weights). */
static const uint16_t employee_weights[9] = {123, 96, 127, 156, 42, 67, 72, 104, 43};
static const uint16_t shipper_weights[3] = {249, 326, 255};
/* Lines per order, 1..6 (mean ~2.6 as the real 2155 / 830). */
static const uint16_t lines_weights[6] = {22, 31, 25, 14, 6, 2};

/* The customers' countries: the real 91 customers' counts, cities (with
 * their region, NULL when none) and postal-code shape. */
typedef struct country {
    const char *name;
    uint8_t count;
    uint8_t ncities;
    const char *cities[4];
    const char *regions[4];
    const char *postal; /* printf format of one unsigned */
    const char *phone;  /* printf format of two unsigned */
} country_t;

static const country_t countries[21] = {
    {"USA",
     13,
     4,
     {"Portland", "Seattle", "Boise", "Albuquerque"},
     {"OR", "WA", "ID", "NM"},
     "%05u",
     "(%03u) 555-%04u"},
    {"Germany",
     11,
     4,
     {"Berlin", "München", "Frankfurt a.M.", "Köln"},
     {NULL},
     "%05u",
     "0%03u-%04u"},
    {"France", 11, 4, {"Paris", "Lyon", "Marseille", "Nantes"}, {NULL}, "%05u", "%02u.55.%04u"},
    {"Brazil",
     9,
     3,
     {"Sao Paulo", "Rio de Janeiro", "Campinas"},
     {"SP", "RJ", "SP"},
     "%05u-000",
     "(%02u) 555-%04u"},
    {"UK", 7, 2, {"London", "Cowes"}, {NULL, "Isle of Wight"}, "EC%u 5NT", "(%u) 555-%04u"},
    {"Mexico", 5, 1, {"México D.F."}, {NULL}, "%05u", "(%u) 555-%04u"},
    {"Spain", 5, 3, {"Madrid", "Barcelona", "Sevilla"}, {NULL}, "%05u", "(9%u) 555 %04u"},
    {"Venezuela",
     4,
     3,
     {"Caracas", "Barquisimeto", "San Cristóbal"},
     {"DF", "Lara", "Táchira"},
     "%04u",
     "(%u) 555-%04u"},
    {"Canada",
     3,
     3,
     {"Montréal", "Vancouver", "Tsawassen"},
     {"Québec", "BC", "BC"},
     "H%uJ 1C3",
     "(%u) 555-%04u"},
    {"Argentina", 3, 1, {"Buenos Aires"}, {NULL}, "%04u", "(%u) 135-%04u"},
    {"Italy", 3, 3, {"Torino", "Bergamo", "Reggio Emilia"}, {NULL}, "%05u", "0%u-49%04u"},
    {"Sweden", 2, 2, {"Luleå", "Bräcke"}, {NULL}, "S-%05u", "0%u-12 %04u"},
    {"Switzerland", 2, 2, {"Bern", "Genève"}, {NULL}, "%04u", "0%u-%04u"},
    {"Austria", 2, 2, {"Graz", "Salzburg"}, {NULL}, "%04u", "%u-34%04u"},
    {"Portugal", 2, 1, {"Lisboa"}, {NULL}, "%04u", "(%u) 356-%04u"},
    {"Belgium", 2, 2, {"Bruxelles", "Charleroi"}, {NULL}, "B-%04u", "(%u) 201 %04u"},
    {"Denmark", 2, 2, {"Kobenhavn", "Århus"}, {NULL}, "%04u", "%u 34 %04u"},
    {"Finland", 2, 2, {"Helsinki", "Oulu"}, {NULL}, "%05u", "%u-22 %04u"},
    {"Ireland", 1, 1, {"Cork"}, {"Co. Cork"}, "%u", "%u-67 %04u"},
    {"Norway", 1, 1, {"Stavern"}, {NULL}, "%04u", "%u-98 %04u"},
    {"Poland", 1, 1, {"Warszawa"}, {NULL}, "%02u-012", "(%u) 642-%04u"},
};

static const char *const company_a[32] = {
    "Alfreds", "Blauer", "Bon",      "Bottom",    "Cactus",  "Centro", "Chop",    "Die",
    "Drachen", "Du",     "Eastern",  "Ernst",     "Familia", "Folk",   "Franchi", "Frankenversand",
    "Galería", "Godos",  "Gourmet",  "Great",     "Hanari",  "Hungry", "Island",  "Königlich",
    "La",      "Lazy",   "Lehmanns", "Magazzini", "Morgen",  "North",  "Old",     "Wolski"};
static const char *const company_b[32] = {
    "Futterkiste",  "Delikatessen", "Comidas",     "Markets",     "Traders",    "Trading",
    "Emporium",     "Imbiss",       "Handel",      "Carnes",      "Alimentos",  "Supermarkt",
    "Gourmandises", "Épicerie",     "Foods",       "Specialties", "Provisions", "Lebensmittel",
    "Bazar",        "Store",        "Market",      "Grocery",     "Shop",       "Kitchen",
    "Bistro",       "Café",         "Hypermarché", "Riuniti",     "Marchand",   "Quick-Stop",
    "Export",       "Import"};
static const char *const first_names[32] = {
    "Maria",    "Ana",       "Antonio",  "Thomas",   "Christina", "Hanna",  "Frédérique", "Martín",
    "Laurence", "Elizabeth", "Victoria", "Patricio", "Francisco", "Yang",   "Pedro",      "Aria",
    "Diego",    "Janine",    "Ann",      "Roland",   "Carlos",    "Paolo",  "Helvetius",  "Karin",
    "Liz",      "Howard",    "Jose",     "Rene",     "Renate",    "Sergio", "Zbyszek",    "Pirkko"};
static const char *const last_names[32] = {
    "Anders",          "Trujillo", "Moreno",    "Hardy",    "Berglund", "Moos",
    "Citeaux",         "Sommer",   "Lebihan",   "Lincoln",  "Ashworth", "Simpson",
    "Chang",           "Wang",     "Afonso",    "Cruz",     "Roel",     "Labrune",
    "Devon",           "Mendel",   "Hernández", "Accorti",  "Nagy",     "Josephs",
    "Nixon",           "Snyder",   "Pavarotti", "Phillips", "Messner",  "Gutiérrez",
    "Piestrzeniewicz", "Koskitalo"};
static const char *const contact_titles[8] = {
    "Sales Representative", "Owner",           "Order Administrator", "Marketing Manager",
    "Accounting Manager",   "Sales Associate", "Sales Manager",       "Marketing Assistant"};
static const char *const streets[16] = {"Obere Str.",       "Avda. de la Constitución",
                                        "Mataderos",        "Hanover Sq.",
                                        "Berguvsvägen",     "Forsterstr.",
                                        "place Kléber",     "C/ Araquil",
                                        "rue des Bouchers", "Fauntleroy Circus",
                                        "Cerrito",          "Sierras de Granada",
                                        "Hauptstr.",        "Rua Orós",
                                        "Walserweg",        "Maubelstr."};

/* ---- deterministic value streams -------------------------------------- */

enum { T_CUSTOMER = 1, T_ORDER, T_LINES, T_NAMES };

typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The stream of row i of a table: a pure function of (seed, tag, i). */
static rng_t rng_at(uint64_t seed, unsigned tag, uint64_t i)
{
    rng_t r = {mix64(mix64(seed) ^ ((uint64_t)tag << 58) ^ mix64(i + 0x9e3779b97f4a7c15ULL))};
    return r;
}

static uint64_t rng_next(rng_t *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return mix64(r->s);
}

/* Uniform in [0, 1). */
static double rng_unit(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
static uint32_t rng_below(rng_t *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* An index in [0, n) drawn with the given weights. */
static int rng_weighted(rng_t *r, const uint16_t *w, int n)
{
    uint32_t total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    uint32_t x = rng_below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* ---- customers: row i as a pure function ------------------------------ */

typedef struct cust {
    char id[8];
    char company[64];
    char contact[64];
    const char *title;
    char address[64];
    const char *city, *region, *country;
    char postal[24];
    char phone[32], fax[32];
    bool has_fax;
} cust_t;

#define CUSTOMER_ID_SPACE 11881376u /* 26^5 */

/* The country of customer i: each block of 91 customers holds the real
 * counts exactly, in an order that moves from block to block. */
static const country_t *customer_country(int64_t i)
{
    unsigned slot = (unsigned)(((i % 91) * 23 + (i / 91) * 7) % 91);
    for (size_t k = 0; k < sizeof countries / sizeof countries[0]; k++) {
        if (slot < countries[k].count)
            return &countries[k];
        slot -= countries[k].count;
    }
    return &countries[0];
}

static void customer_id(uint64_t seed, int64_t i, char out[8])
{
    /* i -> (i * M + off) mod 26^5 is one-to-one: M = 7^9 shares no factor
     * with 26. */
    uint64_t x =
        ((uint64_t)i * 40353607u + mix64(seed ^ 0x5eed) % CUSTOMER_ID_SPACE) % CUSTOMER_ID_SPACE;
    for (int k = 4; k >= 0; k--) {
        out[k] = (char)('A' + x % 26);
        x /= 26;
    }
    out[5] = 0;
}

static void customer_at(uint64_t seed, int64_t i, cust_t *c)
{
    rng_t r = rng_at(seed, T_CUSTOMER, (uint64_t)i);
    customer_id(seed, i, c->id);
    /* names: one-to-one within each block of 1024, then numbered blocks */
    unsigned s1 = (unsigned)(mix64(seed ^ 1) % 32), s2 = (unsigned)(mix64(seed ^ 2) % 32);
    unsigned rr = (unsigned)(i % 1024), a = (rr % 32 + s1) % 32, b = (rr / 32 + 5 * a + s2) % 32;
    int64_t q = i / 1024;
    if (q)
        snprintf(c->company, sizeof c->company, "%s %s %lld", company_a[a], company_b[b],
                 (long long)q + 1);
    else
        snprintf(c->company, sizeof c->company, "%s %s", company_a[a], company_b[b]);
    snprintf(c->contact, sizeof c->contact, "%s %s", first_names[rng_below(&r, 32)],
             last_names[rng_below(&r, 32)]);
    c->title = contact_titles[rng_below(&r, 8)];
    snprintf(c->address, sizeof c->address, "%s %u", streets[rng_below(&r, 16)],
             1 + rng_below(&r, 9000));
    const country_t *k = customer_country(i);
    unsigned city = rng_below(&r, k->ncities);
    c->country = k->name;
    c->city = k->cities[city];
    c->region = k->regions[city];
    snprintf(c->postal, sizeof c->postal, k->postal, 1 + rng_below(&r, 9998));
    unsigned area = 1 + rng_below(&r, 98), num = rng_below(&r, 10000);
    snprintf(c->phone, sizeof c->phone, k->phone, area, num);
    c->has_fax = rng_below(&r, 10) < 7;
    snprintf(c->fax, sizeof c->fax, k->phone, area, (num + 1) % 10000);
}

/* ---- orders: order k as a pure function ------------------------------- */

typedef struct order {
    int64_t customer; /* index */
    int16_t employee, ship_via;
    int32_t order_date, required_date, shipped_date; /* shipped < 0: NULL */
    float freight;
} order_t;

static int32_t day_first(void)
{
    return (int32_t)sm_days_from_civil(1996, 7, 4);
}
static int32_t day_last(void)
{
    return (int32_t)sm_days_from_civil(1998, 5, 6);
}

/* Orders are in date order, spread evenly over the real period. */
static int32_t order_date_of(int64_t k, int64_t norders)
{
    int64_t span = day_last() - day_first() + 1;
    return day_first() + (int32_t)(k * span / norders);
}

static void order_at(uint64_t seed, int64_t k, int64_t norders, int64_t ncust, order_t *o)
{
    rng_t r = rng_at(seed, T_ORDER, (uint64_t)k);
    /* customer skew: x = u^1.4 gives customer j a share falling like
     * j^-0.29 — the first of 91 places ~4% of the orders (the real top
     * customer 3.7%), the last about a third of the mean */
    double u = rng_unit(&r), x = pow(u, 1.4);
    o->customer = (int64_t)(x * (double)ncust);
    if (o->customer >= ncust)
        o->customer = ncust - 1;
    o->employee = (int16_t)(1 + rng_weighted(&r, employee_weights, 9));
    o->order_date = order_date_of(k, norders);
    uint32_t req = rng_below(&r, 20);
    o->required_date = o->order_date + (req == 0 ? 14 : req == 1 ? 42 : 28);
    int32_t ship = 1 + (int32_t)(-log(1.0 - rng_unit(&r)) * 7.0);
    o->shipped_date = k * 1000 >= norders * 975 ? -1 : o->order_date + (ship > 35 ? 35 : ship);
    o->ship_via = (int16_t)(1 + rng_weighted(&r, shipper_weights, 3));
    double f = -log(1.0 - rng_unit(&r)) * 78.0;
    if (f > 1100.0)
        f = 1100.0;
    o->freight = (float)(round(f * 100.0) / 100.0 + 0.02);
}

/* The lines of order k: distinct products in ascending order. */
typedef struct line {
    int16_t product;
    float unit_price, discount;
    int16_t quantity;
} line_t;

static int lines_at(uint64_t seed, int64_t k, int64_t norders, line_t out[6])
{
    static const float discounts[5] = {0.05f, 0.1f, 0.15f, 0.2f, 0.25f};
    rng_t r = rng_at(seed, T_LINES, (uint64_t)k);
    int n = 1 + rng_weighted(&r, lines_weights, 6);
    float order_discount = rng_below(&r, 100) < 60 ? 0.0f : discounts[rng_below(&r, 5)];
    bool old_prices = order_date_of(k, norders) < (int32_t)sm_days_from_civil(1997, 1, 1);
    for (int i = 0; i < n; i++) {
        int16_t p;
        bool dup;
        do {
            p = (int16_t)(1 + rng_below(&r, 77));
            dup = false;
            for (int j = 0; j < i; j++)
                dup |= out[j].product == p;
        } while (dup);
        out[i].product = p;
    }
    for (int i = 1; i < n; i++) /* insertion sort of at most 6 */
        for (int j = i; j > 0 && out[j - 1].product > out[j].product; j--) {
            int16_t t = out[j].product;
            out[j].product = out[j - 1].product;
            out[j - 1].product = t;
        }
    for (int i = 0; i < n; i++) {
        float price = products[out[i].product - 1].price;
        out[i].unit_price = old_prices ? (float)(round(price * 80.0) / 100.0) : price;
        int q = 1 + (int)(-log(1.0 - rng_unit(&r)) * 20.0);
        if (q > 5 && rng_below(&r, 10) < 6)
            q = (q + 4) / 5 * 5;
        out[i].quantity = (int16_t)(q > 130 ? 130 : q);
        out[i].discount = rng_below(&r, 10) < 8 ? order_discount : 0.0f;
    }
    return n;
}

/* ---- table shapes ----------------------------------------------------- */

/* A column: name, PostgreSQL type, and kind: 's' smallint, 'i' integer,
 * 'o' order id (smallint or integer by scale), 'f' real, 'd' date,
 * 'b' bytea, 'v' string. */
typedef struct colspec {
    const char *name, *pg;
    char kind;
} colspec_t;

typedef struct tablespec {
    const char *name, *pk;
    const colspec_t *cols;
    size_t ncols;
} tablespec_t;

static const colspec_t categories_cols[] = {
    {"category_id", "smallint NOT NULL", 's'},
    {"category_name", "character varying(15) NOT NULL", 'v'},
    {"description", "text", 'v'},
    {"picture", "bytea", 'b'},
};
static const colspec_t products_cols[] = {
    {"product_id", "smallint NOT NULL", 's'},
    {"product_name", "character varying(40) NOT NULL", 'v'},
    {"supplier_id", "smallint", 's'},
    {"category_id", "smallint", 's'},
    {"quantity_per_unit", "character varying(20)", 'v'},
    {"unit_price", "real", 'f'},
    {"units_in_stock", "smallint", 's'},
    {"units_on_order", "smallint", 's'},
    {"reorder_level", "smallint", 's'},
    {"discontinued", "integer NOT NULL", 'i'},
};
static const colspec_t employees_cols[] = {
    {"employee_id", "smallint NOT NULL", 's'},
    {"last_name", "character varying(20) NOT NULL", 'v'},
    {"first_name", "character varying(10) NOT NULL", 'v'},
    {"title", "character varying(30)", 'v'},
    {"title_of_courtesy", "character varying(25)", 'v'},
    {"birth_date", "date", 'd'},
    {"hire_date", "date", 'd'},
    {"address", "character varying(60)", 'v'},
    {"city", "character varying(15)", 'v'},
    {"region", "character varying(15)", 'v'},
    {"postal_code", "character varying(10)", 'v'},
    {"country", "character varying(15)", 'v'},
    {"home_phone", "character varying(24)", 'v'},
    {"extension", "character varying(4)", 'v'},
    {"photo", "bytea", 'b'},
    {"notes", "text", 'v'},
    {"reports_to", "smallint", 's'},
    {"photo_path", "character varying(255)", 'v'},
};
static const colspec_t customers_cols[] = {
    {"customer_id", "character varying(5) NOT NULL", 'v'},
    {"company_name", "character varying(40) NOT NULL", 'v'},
    {"contact_name", "character varying(30)", 'v'},
    {"contact_title", "character varying(30)", 'v'},
    {"address", "character varying(60)", 'v'},
    {"city", "character varying(15)", 'v'},
    {"region", "character varying(15)", 'v'},
    {"postal_code", "character varying(10)", 'v'},
    {"country", "character varying(15)", 'v'},
    {"phone", "character varying(24)", 'v'},
    {"fax", "character varying(24)", 'v'},
};
static const colspec_t orders_cols[] = {
    {"order_id", " NOT NULL", 'o'},
    {"customer_id", "character varying(5)", 'v'},
    {"employee_id", "smallint", 's'},
    {"order_date", "date", 'd'},
    {"required_date", "date", 'd'},
    {"shipped_date", "date", 'd'},
    {"ship_via", "smallint", 's'},
    {"freight", "real", 'f'},
    {"ship_name", "character varying(40)", 'v'},
    {"ship_address", "character varying(60)", 'v'},
    {"ship_city", "character varying(15)", 'v'},
    {"ship_region", "character varying(15)", 'v'},
    {"ship_postal_code", "character varying(10)", 'v'},
    {"ship_country", "character varying(15)", 'v'},
};
static const colspec_t order_details_cols[] = {
    {"order_id", " NOT NULL", 'o'},       {"product_id", "smallint NOT NULL", 's'},
    {"unit_price", "real NOT NULL", 'f'}, {"quantity", "smallint NOT NULL", 's'},
    {"discount", "real NOT NULL", 'f'},
};

#define SPEC(n, pk, c)                                                                             \
    {                                                                                              \
        n, pk, c, sizeof c / sizeof c[0]                                                           \
    }
static const tablespec_t tables[SM_GEN_NTABLES] = {
    SPEC("categories", "category_id", categories_cols),
    SPEC("products", "product_id", products_cols),
    SPEC("employees", "employee_id", employees_cols),
    SPEC("customers", "customer_id", customers_cols),
    SPEC("orders", "order_id", orders_cols),
    SPEC("order_details", "order_id, product_id", order_details_cols),
};
#undef SPEC

#define FIRST_ORDER_ID 10248

const char *sm_gen_table_name(sm_gen_table_t t)
{
    return (unsigned)t < SM_GEN_NTABLES ? tables[t].name : NULL;
}

bool sm_gen_wide_ids(int64_t scale)
{
    return FIRST_ORDER_ID + 830 * scale - 1 > INT16_MAX;
}

int64_t sm_gen_rows(sm_gen_table_t t, int64_t scale)
{
    switch (t) {
    case SM_GEN_CATEGORIES:
        return 8;
    case SM_GEN_PRODUCTS:
        return 77;
    case SM_GEN_EMPLOYEES:
        return 9;
    case SM_GEN_CUSTOMERS:
        return 91 * scale;
    case SM_GEN_ORDERS:
        return 830 * scale;
    default:
        return -1;
    }
}

static sm_err_t check_args(sm_gen_table_t t, int64_t scale, sm_error_t *e)
{
    if ((unsigned)t >= SM_GEN_NTABLES)
        return sm_error_set(e, SM_ERR_INVALID, "generator: no table number %d", (int)t);
    if (scale < 1 || scale > SM_GEN_MAX_SCALE)
        return sm_error_set(e, SM_ERR_INVALID, "generator: scale %lld is outside 1..%d",
                            (long long)scale, SM_GEN_MAX_SCALE);
    return SM_OK;
}

static sm_type_t *kind_type(char kind, bool wide)
{
    switch (kind) {
    case 's':
        return sm_type_int16();
    case 'i':
        return sm_type_int32();
    case 'o':
        return wide ? sm_type_int32() : sm_type_int16();
    case 'f':
        return sm_type_float32();
    case 'd':
        return sm_type_date();
    case 'b':
        return sm_type_binary();
    default:
        return sm_type_string();
    }
}

sm_err_t sm_gen_schema(sm_gen_table_t t, int64_t scale, sm_type_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = check_args(t, scale, e);
    if (rc)
        return rc;
    const tablespec_t *ts = &tables[t];
    sm_field_t fs[32];
    for (size_t i = 0; i < ts->ncols; i++)
        fs[i] = (sm_field_t){(char *)ts->cols[i].name,
                             kind_type(ts->cols[i].kind, sm_gen_wide_ids(scale)), true};
    if (!(*out = sm_type_struct(fs, ts->ncols)))
        return sm_error_nomem(e, "generator schema");
    return SM_OK;
}

sm_err_t sm_gen_ddl(sm_gen_table_t t, int64_t scale, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = check_args(t, scale, e);
    if (rc)
        return rc;
    const tablespec_t *ts = &tables[t];
    rc = sm_buf_printf(out, e, "CREATE TABLE IF NOT EXISTS %s (", ts->name);
    for (size_t i = 0; !rc && i < ts->ncols; i++) {
        const colspec_t *c = &ts->cols[i];
        const char *pre = c->kind == 'o' ? (sm_gen_wide_ids(scale) ? "integer" : "smallint") : "";
        rc = sm_buf_printf(out, e, "%s %s%s, ", c->name, pre, c->pg);
    }
    if (!rc)
        rc = sm_buf_printf(out, e, "PRIMARY KEY (%s))", ts->pk);
    return rc;
}

/* ---- the batch driver ------------------------------------------------- */

typedef struct gen {
    const sm_gen_opts_t *o;
    sm_batch_t *b;
    size_t cap;
    sm_gen_batch_fn fn;
    void *ud;
    int64_t rows;
    int64_t ncust, norders;
    bool wide;
} gen_t;

static sm_err_t flush(gen_t *g, sm_error_t *e)
{
    sm_err_t rc = sm_batch_sync(g->b, e);
    if (rc || g->b->nrows == 0)
        return rc;
    rc = g->fn(g->ud, g->b, e);
    g->rows += (int64_t)g->b->nrows;
    sm_batch_reset(g->b);
    return rc;
}

/* After a row: hands the batch out when full. */
static sm_err_t row_done(gen_t *g, sm_error_t *e)
{
    return g->b->cols[0]->len >= g->cap ? flush(g, e) : SM_OK;
}

static sm_err_t put_str(sm_vector_t *v, const char *s, sm_error_t *e)
{
    return s ? sm_vector_append_str(v, s, e) : sm_vector_append_null(v, e);
}

static sm_err_t put_date(sm_vector_t *v, const char *iso, sm_error_t *e)
{
    int y = 0, m = 0, d = 0;
    if (sscanf(iso, "%d-%d-%d", &y, &m, &d) != 3)
        return sm_error_set(e, SM_ERR_INTERNAL, "generator: bad date %s", iso);
    return sm_vector_append_i32(v, (int32_t)sm_days_from_civil(y, m, d), e);
}

static sm_err_t put_order_id(const gen_t *g, sm_vector_t *v, int64_t k, sm_error_t *e)
{
    int64_t id = FIRST_ORDER_ID + k;
    return g->wide ? sm_vector_append_i32(v, (int32_t)id, e)
                   : sm_vector_append_i16(v, (int16_t)id, e);
}

/* Appends each expression in turn while rc stays SM_OK. */
#define PUT(x)                                                                                     \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = (x);                                                                              \
    } while (0)

static sm_err_t gen_categories(gen_t *g, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_vector_t **c = g->b->cols;
    for (int i = 0; !rc && i < 8; i++) {
        PUT(sm_vector_append_i16(c[0], (int16_t)(i + 1), e));
        PUT(sm_vector_append_str(c[1], categories[i].name, e));
        PUT(sm_vector_append_str(c[2], categories[i].description, e));
        PUT(sm_vector_append_bytes(c[3], "", 0, e));
        PUT(row_done(g, e));
    }
    return rc;
}

static sm_err_t gen_products(gen_t *g, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_vector_t **c = g->b->cols;
    for (int i = 0; !rc && i < 77; i++) {
        const product_t *p = &products[i];
        PUT(sm_vector_append_i16(c[0], (int16_t)(i + 1), e));
        PUT(sm_vector_append_str(c[1], p->name, e));
        PUT(sm_vector_append_i16(c[2], p->supplier, e));
        PUT(sm_vector_append_i16(c[3], p->category, e));
        PUT(sm_vector_append_str(c[4], p->qpu, e));
        PUT(sm_vector_append_f32(c[5], p->price, e));
        PUT(sm_vector_append_i16(c[6], p->stock, e));
        PUT(sm_vector_append_i16(c[7], p->on_order, e));
        PUT(sm_vector_append_i16(c[8], p->reorder, e));
        PUT(sm_vector_append_i32(c[9], p->discontinued, e));
        PUT(row_done(g, e));
    }
    return rc;
}

static sm_err_t gen_employees(gen_t *g, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_vector_t **c = g->b->cols;
    char notes[160], path[96];
    for (int i = 0; !rc && i < 9; i++) {
        const employee_t *m = &employees[i];
        snprintf(notes, sizeof notes, "%s %s joined Northwind Traders on %s as %s.", m->first,
                 m->last, m->hire, m->title);
        snprintf(path, sizeof path, "http://accweb/emmployees/%s.bmp", m->last);
        PUT(sm_vector_append_i16(c[0], (int16_t)(i + 1), e));
        PUT(sm_vector_append_str(c[1], m->last, e));
        PUT(sm_vector_append_str(c[2], m->first, e));
        PUT(sm_vector_append_str(c[3], m->title, e));
        PUT(sm_vector_append_str(c[4], m->courtesy, e));
        PUT(put_date(c[5], m->birth, e));
        PUT(put_date(c[6], m->hire, e));
        PUT(sm_vector_append_str(c[7], m->address, e));
        PUT(sm_vector_append_str(c[8], m->city, e));
        PUT(put_str(c[9], m->region, e));
        PUT(sm_vector_append_str(c[10], m->postal, e));
        PUT(sm_vector_append_str(c[11], m->country, e));
        PUT(sm_vector_append_str(c[12], m->phone, e));
        PUT(sm_vector_append_str(c[13], m->ext, e));
        PUT(sm_vector_append_bytes(c[14], "", 0, e));
        PUT(sm_vector_append_str(c[15], notes, e));
        PUT(m->reports_to ? sm_vector_append_i16(c[16], m->reports_to, e)
                          : sm_vector_append_null(c[16], e));
        PUT(sm_vector_append_str(c[17], path, e));
        PUT(row_done(g, e));
    }
    return rc;
}

static sm_err_t gen_customers(gen_t *g, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_vector_t **c = g->b->cols;
    cust_t cu;
    for (int64_t i = 0; !rc && i < g->ncust; i++) {
        customer_at(g->o->seed, i, &cu);
        PUT(sm_vector_append_str(c[0], cu.id, e));
        PUT(sm_vector_append_str(c[1], cu.company, e));
        PUT(sm_vector_append_str(c[2], cu.contact, e));
        PUT(sm_vector_append_str(c[3], cu.title, e));
        PUT(sm_vector_append_str(c[4], cu.address, e));
        PUT(sm_vector_append_str(c[5], cu.city, e));
        PUT(put_str(c[6], cu.region, e));
        PUT(sm_vector_append_str(c[7], cu.postal, e));
        PUT(sm_vector_append_str(c[8], cu.country, e));
        PUT(sm_vector_append_str(c[9], cu.phone, e));
        PUT(put_str(c[10], cu.has_fax ? cu.fax : NULL, e));
        PUT(row_done(g, e));
    }
    return rc;
}

static sm_err_t gen_orders(gen_t *g, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_vector_t **c = g->b->cols;
    cust_t cu;
    order_t o;
    for (int64_t k = 0; !rc && k < g->norders; k++) {
        order_at(g->o->seed, k, g->norders, g->ncust, &o);
        customer_at(g->o->seed, o.customer, &cu);
        PUT(put_order_id(g, c[0], k, e));
        PUT(sm_vector_append_str(c[1], cu.id, e));
        PUT(sm_vector_append_i16(c[2], o.employee, e));
        PUT(sm_vector_append_i32(c[3], o.order_date, e));
        PUT(sm_vector_append_i32(c[4], o.required_date, e));
        PUT(o.shipped_date < 0 ? sm_vector_append_null(c[5], e)
                               : sm_vector_append_i32(c[5], o.shipped_date, e));
        PUT(sm_vector_append_i16(c[6], o.ship_via, e));
        PUT(sm_vector_append_f32(c[7], o.freight, e));
        PUT(sm_vector_append_str(c[8], cu.company, e));
        PUT(sm_vector_append_str(c[9], cu.address, e));
        PUT(sm_vector_append_str(c[10], cu.city, e));
        PUT(put_str(c[11], cu.region, e));
        PUT(sm_vector_append_str(c[12], cu.postal, e));
        PUT(sm_vector_append_str(c[13], cu.country, e));
        PUT(row_done(g, e));
    }
    return rc;
}

static sm_err_t gen_order_details(gen_t *g, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_vector_t **c = g->b->cols;
    line_t ls[6];
    for (int64_t k = 0; !rc && k < g->norders; k++) {
        int n = lines_at(g->o->seed, k, g->norders, ls);
        for (int i = 0; !rc && i < n; i++) {
            PUT(put_order_id(g, c[0], k, e));
            PUT(sm_vector_append_i16(c[1], ls[i].product, e));
            PUT(sm_vector_append_f32(c[2], ls[i].unit_price, e));
            PUT(sm_vector_append_i16(c[3], ls[i].quantity, e));
            PUT(sm_vector_append_f32(c[4], ls[i].discount, e));
            PUT(row_done(g, e));
        }
    }
    return rc;
}

sm_err_t sm_gen_table(sm_gen_table_t t, const sm_gen_opts_t *o, sm_gen_batch_fn fn, void *ud,
                      int64_t *rows, sm_error_t *e)
{
    static sm_err_t (*const makers[SM_GEN_NTABLES])(gen_t *, sm_error_t *) = {
        gen_categories, gen_products, gen_employees, gen_customers, gen_orders, gen_order_details};
    gen_t g = {
        .o = o,
        .cap = o->batch_rows ? o->batch_rows : SM_BATCH_ROWS,
        .fn = fn,
        .ud = ud,
        .ncust = 91 * o->scale,
        .norders = 830 * o->scale,
        .wide = sm_gen_wide_ids(o->scale),
    };
    sm_type_t *schema = NULL;
    if (rows)
        *rows = 0;
    sm_err_t rc = sm_gen_schema(t, o->scale, &schema, e);
    if (!rc)
        rc = sm_batch_new(schema, g.cap, &g.b, e);
    if (!rc)
        rc = makers[t](&g, e);
    if (!rc)
        rc = flush(&g, e);
    if (rows)
        *rows = g.rows;
    sm_batch_free(g.b);
    sm_type_free(schema);
    return rc;
}

/* ---- COPY text -------------------------------------------------------- */

static sm_err_t copy_text(sm_buf_t *out, const char *s, size_t n, sm_error_t *e)
{
    sm_err_t rc = sm_buf_reserve(out, n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = ch == '\\'   ? "\\\\"
                          : ch == '\t' ? "\\t"
                          : ch == '\n' ? "\\n"
                          : ch == '\r' ? "\\r"
                                       : NULL;
        rc = esc ? sm_buf_append(out, esc, 2, e) : sm_buf_append_byte(out, ch, e);
    }
    return rc;
}

static sm_err_t copy_cell(const sm_vector_t *v, size_t row, sm_buf_t *out, sm_error_t *e)
{
    char tmp[SM_FMT_FLOAT_MAX + SM_FMT_DATE_MAX];
    size_t n;
    if (sm_vector_is_null(v, row))
        return sm_buf_append(out, "\\N", 2, e);
    switch (v->type->kind) {
    case SM_TYPE_INT16:
        return sm_buf_printf(out, e, "%d", (int)sm_vector_get_i16(v, row));
    case SM_TYPE_INT32:
        return sm_buf_printf(out, e, "%d", (int)sm_vector_get_i32(v, row));
    case SM_TYPE_FLOAT32:
        n = sm_fmt_float(sm_vector_get_f32(v, row), tmp);
        return sm_buf_append(out, tmp, n, e);
    case SM_TYPE_DATE:
        n = sm_fmt_date(sm_vector_get_i32(v, row), tmp);
        return sm_buf_append(out, tmp, n, e);
    case SM_TYPE_STRING: {
        const char *s = sm_vector_get_str(v, row, &n);
        return copy_text(out, s, n, e);
    }
    case SM_TYPE_BINARY: {
        const uint8_t *p = sm_vector_get_bytes(v, row, &n);
        sm_err_t rc = sm_buf_append(out, "\\\\x", 3, e);
        for (size_t i = 0; !rc && i < n; i++)
            rc = sm_buf_printf(out, e, "%02x", p[i]);
        return rc;
    }
    default:
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "COPY text: column kind %s",
                            sm_type_kind_name(v->type->kind));
    }
}

sm_err_t sm_gen_copy_text_row(const sm_batch_t *b, size_t row, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < b->ncols; i++) {
        if (i)
            rc = sm_buf_append_byte(out, '\t', e);
        if (!rc)
            rc = copy_cell(b->cols[i], row, out, e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, '\n', e);
    return rc;
}
