"""The raw material of the demo shop: Thai names, nicknames, branches, products, campaigns.

Everything here is plain data; :mod:`samphan.seeding.generator` turns it into numpy tables.
The shop is a café that also sells cosmetics ("คาเฟ่ & คอสเมติก"): drinks and bakery sell at
the counter, beans, skincare and make-up also ship through LINE, the marketplaces and the web.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WORKSPACE_NAME = "ร้านสัมพันธ์ คาเฟ่ & คอสเมติก"

# ---------------------------------------------------------------------------------------------
# People


def _words(text: str) -> list[str]:
    return text.split()


TITLE_MR, TITLE_MRS, TITLE_MISS = "นาย", "นาง", "นางสาว"

FEMALE_FIRST_NAMES = _words(
    """
สมหญิง สุภาพร กาญจนา วันเพ็ญ ศิริพร จันทร์เพ็ญ นภัสสร ปิยะนุช พรทิพย์ รัตนา สุนิสา อรทัย ณัฐธิดา
ชนิดา ธิดารัตน์ กนกวรรณ ปวีณา พิมพ์ชนก ศศิธร อัญชลี วราภรณ์ จิราพร นันทนา ภัทรา มณีรัตน์ ลัดดา
สุดารัตน์ อริสา เบญจวรรณ ปริยา ณัฐนิชา ชลธิชา กมลชนก ธนพร พัชรินทร์ รุ่งนภา สายสุนีย์ อมรรัตน์
ขวัญใจ จุฑามาศ ดวงใจ ทิพวรรณ นงลักษณ์ บุษบา ประภาพร ผกามาศ พรรณี เยาวลักษณ์ วิไลวรรณ ศุภลักษณ์
สมพร หทัยรัตน์ อุษา เกศินี ชุติมา ณัฐวดี ธัญญารัตน์ นิภาพร ปาริชาติ พิชญา ภาวินี มาลัย รัชนี วรรณา
ศรีสุดา สุกัญญา อรุณี แพรวา ปภาวรินทร์ ณิชาภัทร ชญานิศ กัญญาณัฐ ธนัชพร พิมพ์ลดา ศุภิสรา อภิญญา
ณัฐณิชา ขนิษฐา จิตรลดา ดารุณี ทัศนีย์ นฤมล บุญญิสา ปัณฑิตา พรพิมล มยุรี รสสุคนธ์ วิภาวดี สิริกร
อัมพร เพ็ญศรี ชไมพร ปิยะธิดา ญาดา ภัทรวดี ธมลวรรณ กชกร พิมพ์มาดา
"""
)

MALE_FIRST_NAMES = _words(
    """
สมชาย สมศักดิ์ ประเสริฐ วิชัย สุรชัย ธนากร ณัฐพล กิตติพงษ์ อนุชา ชัยวัฒน์ ปิยะพงษ์ ธีรวัฒน์ พงศกร
วรวุฒิ ศุภชัย อภิชาติ เอกชัย จักรพันธ์ ธนพล ภานุวัฒน์ รัฐพล สิทธิชัย อดิศักดิ์ กฤษดา ชาญวิทย์ ณรงค์
ทวีศักดิ์ นพดล บุญชัย พีระพงษ์ มานพ ยุทธนา วีระ สุเมธ อำนาจ เกียรติศักดิ์ ชนินทร์ ณัฐวุฒิ ธนวัฒน์
ปกรณ์ พิชิต ภูมิพัฒน์ วสันต์ ศักดิ์ชัย สุทธิพงษ์ อิทธิพล กิตติศักดิ์ จิรายุ ชยพล ณัฐภัทร ธนภัทร
พงษ์พัฒน์ ภัทรพล วชิระ ศรายุทธ สรวิศ อนันต์ เจษฎา ไพโรจน์ บรรพต ธวัชชัย ปรีชา สมบัติ สุวิทย์ อุดม
กมล ชาตรี ทรงศักดิ์ นิพนธ์ ประพันธ์ พรชัย เฉลิมพล ธีรภัทร ปัณณวัฒน์ ภาคิน ธนกฤต กฤตภาส ณภัทร
ปุณณวิช ภูริ ศิวกร รชต คุณากร พีรพัฒน์ อัครพล ธนาธิป วรพล ศรัณย์ ชานนท์ ธนดล
"""
)

# Common whole surnames, plus syllables that combine into believable ones (Thai surnames are
# long compounds, nearly unique per family).
SURNAMES = _words(
    """
ใจดี ศรีสุข แสงทอง บุญมา สุขสวัสดิ์ วงศ์สวัสดิ์ ทองดี รัตนพันธ์ จันทร์หอม เพชรรัตน์ มั่นคง สมบูรณ์
ประเสริฐศักดิ์ กิตติวงศ์ ศรีวิไล อินทร์แก้ว พรหมมา ชัยมงคล วัฒนกุล ธนสาร สุวรรณรัตน์ แก้วมณี บุญเรือง
ทองคำ เจริญสุข พูลสวัสดิ์ วิเศษสุวรรณ มณีวงศ์ อุดมสุข รุ่งเรือง สายทอง คงเจริญ ปัญญาดี ศรีประเสริฐ
นาคสวัสดิ์ แซ่ตั้ง แซ่ลิ้ม แซ่อึ้ง ตั้งตระกูล ลิ้มประเสริฐ เตชะวณิช โชติช่วง ศิริวัฒน์ พึ่งบุญ
"""
)
SURNAME_HEADS = _words(
    """
ศรี สุข บุญ ทอง แก้ว เพชร ชัย วงศ์ จันทร์ พร ธน กิตติ รัตน สุวรรณ อินทร ประเสริฐ เจริญ มงคล วัฒน
แสง ทิพย์ พงษ์ ศักดิ์ เลิศ
"""
)
SURNAME_TAILS = _words(
    """
วงศ์ สกุล กุล ชัย สุข ทอง รัตน์ พันธ์ ศรี มณี วัฒนา เจริญ ไพศาล ประเสริฐ สวัสดิ์ ภักดี พานิช ธรรม
โชติ ดำรง
"""
)

# (Thai nickname, romanised handle used for e-mail addresses)
FEMALE_NICKNAMES = [
    ("เจน", "jane"), ("ฝน", "fon"), ("แพรว", "praew"), ("มิ้นท์", "mint"), ("ปิ่น", "pin"),
    ("นุ่น", "noon"), ("แอน", "ann"), ("ฟ้า", "fah"), ("น้ำ", "nam"), ("ปุ๊ก", "puk"),
    ("ตาล", "tarn"), ("เมย์", "may"), ("จูน", "june"), ("แก้ม", "gam"), ("ขวัญ", "kwan"),
    ("ปลา", "pla"), ("ปู", "poo"), ("หญิง", "ying"), ("อ้อม", "aom"), ("แป้ง", "pang"),
    ("ใบเตย", "baitoey"), ("เฟิร์น", "fern"), ("มายด์", "mind"), ("พลอย", "ploy"), ("ออม", "orm"),
    ("ส้ม", "som"), ("ดาว", "dao"), ("กิ๊ฟ", "gift"), ("โบว์", "bow"), ("ผึ้ง", "pueng"),
    ("จอย", "joy"), ("แนน", "nan"), ("หนิง", "ning"), ("ติ๊ก", "tik"), ("มด", "mod"),
    ("แตงโม", "tangmo"), ("เบลล์", "belle"), ("ครีม", "cream"), ("ข้าวหอม", "kaohom"),
    ("ปาย", "pai"),
]  # fmt: skip
MALE_NICKNAMES = [
    ("บอล", "ball"), ("ต้น", "ton"), ("เอก", "ek"), ("โอ๊ต", "oat"), ("กอล์ฟ", "golf"),
    ("บิ๊ก", "big"), ("ป๊อป", "pop"), ("เบียร์", "beer"), ("ตั้ม", "tum"), ("ต่อ", "tor"),
    ("เก่ง", "keng"), ("ก้อง", "kong"), ("หนุ่ม", "noom"), ("แบงก์", "bank"), ("ปอนด์", "pond"),
    ("เจมส์", "james"), ("โต้ง", "tong"), ("อาร์ม", "arm"), ("ตูน", "toon"), ("บอย", "boy"),
    ("เอ็ม", "em"), ("ปาล์ม", "palm"), ("ภูมิ", "poom"), ("ฟิล์ม", "film"), ("นัท", "nut"),
    ("เต้", "tae"), ("ไผ่", "phai"), ("โจ้", "joe"), ("แม็ก", "max"), ("ต้อม", "tom"),
    ("เบิร์ด", "bird"), ("ป๋อง", "pong"), ("หมู", "moo"), ("เป้", "pae"), ("ท็อป", "top"),
    ("เติ้ล", "tle"), ("ภูผา", "phupha"), ("ตี๋", "tee"),
]  # fmt: skip
UNISEX_NICKNAMES = [
    ("บีม", "beam"), ("ไอซ์", "ice"), ("นิว", "new"), ("นก", "nok"), ("จิ๊บ", "jib"),
    ("เบนซ์", "benz"), ("ปอ", "por"), ("กิ๊ก", "gig"), ("ฟลุ๊ค", "fluke"), ("มุก", "muk"),
]  # fmt: skip

EMAIL_DOMAINS = ["gmail.com", "hotmail.com", "yahoo.com", "outlook.com", "icloud.com"]
EMAIL_DOMAIN_WEIGHTS = [0.68, 0.17, 0.05, 0.05, 0.05]

# The Thai mobile ranges libphonenumber accepts as MOBILE (06x, 08x, 09x).
MOBILE_PREFIXES = [61, 62, 63, 64, 65, 66, *range(80, 100)]

# ---------------------------------------------------------------------------------------------
# Places


@dataclass(frozen=True)
class BranchSpec:
    name: str
    code: str
    province: str  # Thai province name, as geothai spells it
    address: str
    weight: float  # share of the store-first customers who call it home


BRANCHES = [
    BranchSpec(
        "สาขาสยาม",
        "BKK-SIAM",
        "กรุงเทพมหานคร",
        "991 ถนนพระรามที่ 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร 10330",
        0.55,
    ),
    BranchSpec(
        "สาขาเชียงใหม่",
        "CNX-NIMMAN",
        "เชียงใหม่",
        "45 ถนนนิมมานเหมินท์ ตำบลสุเทพ อำเภอเมืองเชียงใหม่ เชียงใหม่ 50200",
        0.25,
    ),
    BranchSpec(
        "สาขาขอนแก่น",
        "KKC-CENTRAL",
        "ขอนแก่น",
        "99 ถนนศรีจันทร์ ตำบลในเมือง อำเภอเมืองขอนแก่น ขอนแก่น 40000",
        0.20,
    ),
]

# Province weights by geothai province code; every other province weighs 1.
PROVINCE_WEIGHTS = {
    "10": 45.0,  # Bangkok
    "11": 6.0,  # Samut Prakan
    "12": 6.0,  # Nonthaburi
    "13": 4.5,  # Pathum Thani
    "20": 4.0,  # Chon Buri
    "50": 7.0,  # Chiang Mai
    "40": 6.0,  # Khon Kaen
    "30": 3.0,  # Nakhon Ratchasima
    "41": 2.0,  # Udon Thani
    "57": 2.0,  # Chiang Rai
    "83": 2.5,  # Phuket
    "90": 2.5,  # Songkhla
    "73": 2.0,  # Nakhon Pathom
    "74": 2.0,  # Samut Sakhon
}
SHARE_WITHOUT_PROVINCE = 0.06

# ---------------------------------------------------------------------------------------------
# Products


@dataclass(frozen=True)
class CategorySpec:
    key: str
    name: str
    shippable: bool
    weight_store: float  # category popularity at the counter
    weight_delivery: float  # LINE and phone orders (rider delivery)
    weight_online: float  # marketplaces and the web shop (parcels only)


CATEGORIES = [
    CategorySpec("drinks", "กาแฟและเครื่องดื่ม", False, 12.0, 5.0, 0.0),
    CategorySpec("bakery", "เบเกอรี่และของว่าง", False, 6.0, 3.0, 0.0),
    CategorySpec("beans", "เมล็ดกาแฟและใบชา", True, 1.2, 2.0, 2.5),
    CategorySpec("gear", "อุปกรณ์กาแฟและของที่ระลึก", True, 0.4, 0.6, 1.0),
    CategorySpec("skin", "สกินแคร์", True, 1.5, 3.0, 5.5),
    CategorySpec("makeup", "เมคอัพ", True, 1.0, 2.0, 4.5),
    CategorySpec("hairbody", "ผมและผิวกาย", True, 0.8, 1.5, 2.5),
    CategorySpec("gift", "ชุดของขวัญและบัตรของขวัญ", True, 0.25, 0.4, 0.6),
]

# (sku, Thai name, English name, category key, price in baht); within a category the first
# products sell best.
PRODUCTS: list[tuple[str, str, str, str, int]] = [
    ("DR-001", "อเมริกาโน่เย็น", "Iced Americano", "drinks", 65),
    ("DR-002", "ลาเต้เย็น", "Iced Latte", "drinks", 70),
    ("DR-003", "ชาไทยเย็น", "Thai Iced Tea", "drinks", 55),
    ("DR-004", "เอสเย็น", "Thai Iced Espresso", "drinks", 70),
    ("DR-005", "มัทฉะลาเต้เย็น", "Iced Matcha Latte", "drinks", 85),
    ("DR-006", "คาปูชิโน่ร้อน", "Hot Cappuccino", "drinks", 65),
    ("DR-007", "ลาเต้ร้อน", "Hot Latte", "drinks", 65),
    ("DR-008", "อเมริกาโน่ร้อน", "Hot Americano", "drinks", 60),
    ("DR-009", "มอคค่าเย็น", "Iced Mocha", "drinks", 75),
    ("DR-010", "คาราเมลมัคคิอาโต้เย็น", "Iced Caramel Macchiato", "drinks", 85),
    ("DR-011", "กาแฟโบราณ", "Thai Traditional Coffee", "drinks", 45),
    ("DR-012", "โอเลี้ยง", "Oliang (Thai Black Iced Coffee)", "drinks", 40),
    ("DR-013", "ชาเขียวนมเย็น", "Iced Green Milk Tea", "drinks", 55),
    ("DR-014", "ชามะนาว", "Iced Lemon Tea", "drinks", 45),
    ("DR-015", "โกโก้เย็น", "Iced Cocoa", "drinks", 60),
    ("DR-016", "อเมริกาโน่ส้ม", "Orange Americano", "drinks", 80),
    ("DR-017", "อเมริกาโน่น้ำผึ้งมะนาว", "Honey Lemon Americano", "drinks", 75),
    ("DR-018", "โคลด์บรูว์", "Cold Brew", "drinks", 85),
    ("DR-019", "แฟลตไวท์", "Flat White", "drinks", 75),
    ("DR-020", "เอสเพรสโซ่", "Espresso", "drinks", 55),
    ("DR-021", "นมสดคาราเมล", "Caramel Fresh Milk", "drinks", 55),
    ("DR-022", "ชาพีช", "Peach Tea", "drinks", 60),
    ("DR-023", "อิตาเลียนโซดาบลูฮาวาย", "Blue Hawaii Italian Soda", "drinks", 55),
    ("DR-024", "สมูทตี้มะม่วง", "Mango Smoothie", "drinks", 75),
    ("DR-025", "น้ำมะพร้าวปั่น", "Coconut Shake", "drinks", 65),
    ("BK-001", "ครัวซองต์เนยสด", "Butter Croissant", "bakery", 65),
    ("BK-002", "ขนมปังปิ้งเนยนม", "Thai Butter-Milk Toast", "bakery", 45),
    ("BK-003", "บราวนี่", "Brownie", "bakery", 60),
    ("BK-004", "ชีสเค้กหน้าไหม้", "Basque Burnt Cheesecake", "bakery", 120),
    ("BK-005", "เค้กช็อกโกแลตหน้านิ่ม", "Soft Chocolate Cake", "bakery", 95),
    ("BK-006", "ครัวซองต์อัลมอนด์", "Almond Croissant", "bakery", 85),
    ("BK-007", "โทสต์ชาไทย", "Thai Tea Toast", "bakery", 79),
    ("BK-008", "มัฟฟินบลูเบอร์รี่", "Blueberry Muffin", "bakery", 55),
    ("BK-009", "บานอฟฟี่พาย", "Banoffee Pie", "bakery", 95),
    ("BK-010", "แซนด์วิชแฮมชีส", "Ham & Cheese Sandwich", "bakery", 89),
    ("BK-011", "ข้าวเหนียวมะม่วง", "Mango Sticky Rice", "bakery", 120),
    ("BK-012", "คุกกี้ช็อกโกแลตชิพ", "Chocolate Chip Cookie", "bakery", 45),
    ("BN-001", "เมล็ดกาแฟดอยช้าง คั่วกลาง 250 ก.", "Doi Chang Medium Roast Beans 250 g", "beans", 390),
    ("BN-002", "กาแฟดริปซอง 10 ซอง", "Drip Bag Coffee, 10 bags", "beans", 259),
    (
        "BN-003",
        "เมล็ดกาแฟเฮาส์เบลนด์ คั่วเข้ม 500 ก.",
        "House Blend Dark Roast Beans 500 g",
        "beans",
        590,
    ),
    ("BN-004", "เมล็ดกาแฟน่าน คั่วอ่อน 250 ก.", "Nan Light Roast Beans 250 g", "beans", 420),
    ("BN-005", "ใบชาไทย 200 ก.", "Thai Tea Leaves 200 g", "beans", 180),
    ("BN-006", "มัทฉะผง 100 ก.", "Matcha Powder 100 g", "beans", 450),
    ("BN-007", "ชาอู่หลงดอยแม่สลอง 100 ก.", "Doi Mae Salong Oolong Tea 100 g", "beans", 320),
    ("BN-008", "คุกกี้ช็อกโกแลตชิพ กล่อง 12 ชิ้น", "Chocolate Chip Cookies, box of 12", "beans", 250),
    ("GR-001", "แก้วเก็บความเย็น 20 ออนซ์", "Tumbler 20 oz", "gear", 490),
    ("GR-002", "ถุงผ้าสัมพันธ์", "Samphan Tote Bag", "gear", 199),
    ("GR-003", "แก้วเซรามิก", "Ceramic Mug", "gear", 290),
    ("GR-004", "ดริปเปอร์ V60", "V60 Dripper", "gear", 450),
    ("GR-005", "กาต้มน้ำคอห่าน", "Gooseneck Kettle", "gear", 1290),
    ("GR-006", "เครื่องบดกาแฟมือหมุน", "Hand Coffee Grinder", "gear", 1590),
    ("SK-001", "ครีมกันแดด SPF50 PA++++ 50 มล.", "Sunscreen SPF50 PA++++ 50 ml", "skin", 390),
    ("SK-002", "เซรั่มวิตามินซี 30 มล.", "Vitamin C Serum 30 ml", "skin", 590),
    ("SK-003", "โฟมล้างหน้าสูตรอ่อนโยน 100 มล.", "Gentle Foam Cleanser 100 ml", "skin", 229),
    ("SK-004", "เซรั่มไฮยาลูรอน 30 มล.", "Hyaluronic Serum 30 ml", "skin", 490),
    ("SK-005", "มาส์กหน้าแผ่น 10 แผ่น", "Sheet Masks, 10 pcs", "skin", 299),
    ("SK-006", "เจลว่านหางจระเข้ 50 ก.", "Aloe Vera Moisture Gel 50 g", "skin", 290),
    ("SK-007", "ไมเซลล่าคลีนซิ่งวอเตอร์ 400 มล.", "Micellar Cleansing Water 400 ml", "skin", 259),
    ("SK-008", "โทนเนอร์ชาเขียว 150 มล.", "Green Tea Toner 150 ml", "skin", 350),
    ("SK-009", "ครีมบำรุงผิวหน้ากลางคืน 50 ก.", "Night Cream 50 g", "skin", 690),
    ("SK-010", "แอมพูลใบบัวบก 30 มล.", "Centella Ampoule 30 ml", "skin", 650),
    ("SK-011", "เซรั่มเรตินอล 30 มล.", "Retinol Serum 30 ml", "skin", 890),
    ("SK-012", "อายครีม 15 มล.", "Eye Cream 15 ml", "skin", 790),
    ("SK-013", "เจลแต้มสิว 15 ก.", "Acne Spot Gel 15 g", "skin", 149),
    ("SK-014", "สเปรย์น้ำแร่ 150 มล.", "Mineral Water Spray 150 ml", "skin", 320),
    ("SK-015", "ลิปบาล์ม", "Lip Balm", "skin", 129),
    ("SK-016", "ชุดสกินแคร์พกพา 4 ชิ้น", "Travel Skincare Set, 4 pcs", "skin", 490),
    ("MU-001", "ลิปทินต์", "Lip Tint", "makeup", 199),
    ("MU-002", "คุชชั่น SPF50", "Cushion Foundation SPF50", "makeup", 450),
    ("MU-003", "ลิปสติกเนื้อแมตต์", "Matte Lipstick", "makeup", 290),
    ("MU-004", "แป้งพัฟคุมมัน", "Oil-Control Pressed Powder", "makeup", 259),
    ("MU-005", "มาสคาร่ากันน้ำ", "Waterproof Mascara", "makeup", 249),
    ("MU-006", "ดินสอเขียนคิ้ว", "Eyebrow Pencil", "makeup", 129),
    ("MU-007", "อายไลเนอร์", "Eyeliner", "makeup", 199),
    ("MU-008", "บลัชออน", "Blush", "makeup", 229),
    ("MU-009", "คอนซีลเลอร์", "Concealer", "makeup", 259),
    ("MU-010", "พาเลตต์อายแชโดว์ 9 สี", "Eyeshadow Palette, 9 shades", "makeup", 490),
    ("MU-011", "รองพื้น 30 มล.", "Liquid Foundation 30 ml", "makeup", 590),
    ("MU-012", "ไพรเมอร์", "Primer", "makeup", 350),
    ("MU-013", "สเปรย์ล็อกเมคอัพ", "Makeup Setting Spray", "makeup", 320),
    ("MU-014", "ไฮไลเตอร์", "Highlighter", "makeup", 290),
    ("MU-015", "ชุดแปรงแต่งหน้า 8 ชิ้น", "Makeup Brush Set, 8 pcs", "makeup", 690),
    ("HB-001", "แชมพูสมุนไพรอัญชัน 300 มล.", "Butterfly Pea Herbal Shampoo 300 ml", "hairbody", 189),
    ("HB-002", "ครีมนวดผม 300 มล.", "Conditioner 300 ml", "hairbody", 189),
    ("HB-003", "เจลอาบน้ำกลิ่นตะไคร้ 450 มล.", "Lemongrass Shower Gel 450 ml", "hairbody", 199),
    ("HB-004", "สครับผิวกายมะขาม 200 ก.", "Tamarind Body Scrub 200 g", "hairbody", 189),
    ("HB-005", "โลชั่นบำรุงผิวกาย 400 มล.", "Body Lotion 400 ml", "hairbody", 259),
    ("HB-006", "ทรีตเมนต์บำรุงผม 250 มล.", "Hair Treatment 250 ml", "hairbody", 290),
    ("HB-007", "สบู่ก้อนขมิ้น", "Turmeric Soap Bar", "hairbody", 79),
    ("HB-008", "โรลออนระงับกลิ่นกาย", "Roll-on Deodorant", "hairbody", 99),
    ("HB-009", "ครีมทามือกลิ่นมะลิ 50 มล.", "Jasmine Hand Cream 50 ml", "hairbody", 159),
    ("HB-010", "น้ำหอมกลิ่นมะลิ 30 มล.", "Jasmine Eau de Toilette 30 ml", "hairbody", 890),
    ("HB-011", "น้ำหอม EDP 50 มล.", "Eau de Parfum 50 ml", "hairbody", 1290),
    ("GF-001", "บัตรของขวัญ 500 บาท", "Gift Card 500 THB", "gift", 500),
    ("GF-002", "ชุดของขวัญกาแฟพร้อมแก้ว", "Coffee & Mug Gift Set", "gift", 990),
    ("GF-003", "บัตรของขวัญ 1,000 บาท", "Gift Card 1,000 THB", "gift", 1000),
    ("GF-004", "ชุดของขวัญสกินแคร์", "Skincare Gift Set", "gift", 1590),
]

# ---------------------------------------------------------------------------------------------
# Campaigns: coupon code, percent off, cap in baht (0 = none)


@dataclass(frozen=True)
class Campaign:
    code: str
    percent: int
    cap_baht: int


CAMPAIGN_NONE = 0
CAMPAIGN_DOUBLE_DAY = 1  # 1.1, 2.2, … (not 9.9, 11.11, 12.12)
CAMPAIGN_99 = 2
CAMPAIGN_1111 = 3
CAMPAIGN_1212 = 4
CAMPAIGN_SONGKRAN = 5
CAMPAIGN_NEW_YEAR = 6
CAMPAIGN_PAYDAY = 7

CAMPAIGNS: dict[int, Campaign] = {
    CAMPAIGN_DOUBLE_DAY: Campaign("DOUBLEDAY", 10, 100),
    CAMPAIGN_99: Campaign("99SALE", 15, 200),
    CAMPAIGN_1111: Campaign("1111MEGA", 20, 300),
    CAMPAIGN_1212: Campaign("1212BIGSALE", 20, 300),
    CAMPAIGN_SONGKRAN: Campaign("SONGKRAN15", 15, 200),
    CAMPAIGN_NEW_YEAR: Campaign("HAPPYNEWYEAR", 15, 250),
    CAMPAIGN_PAYDAY: Campaign("PAYDAY10", 10, 150),
}
WELCOME_COUPON = Campaign("WELCOME50", 0, 50)  # 50 baht off a first order of 300 baht or more
MEMBER_COUPON = Campaign("MEMBER5", 5, 100)  # regulars' member discount
