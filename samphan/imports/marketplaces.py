"""The marketplaces' order exports: Shopee, Lazada and TikTok Shop Seller Centre files.

Each export has its own headings (Thai or English, as the seller's Seller Centre language
was set when they downloaded it), its own way of repeating order-level cells on item rows,
and its own sales channel and buyer-username contact kind.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samphan.commerce.models import ChannelKind
from samphan.customers.models import ContactKind
from samphan.imports.models import ImportKind
from samphan.imports.spec import FieldSpec, field

# --- Shopee Seller Centre: one row per line item; Thai or English headings ------------------------
# Current exports (2024) write "เวลาที่ทำการสั่งซื้อ" and "ยอดรวมทั้งหมด"; older ones
# "วันที่ทำการสั่งซื้อ" and "จำนวนเงินทั้งหมด". Both are known.

SHOPEE_FIELDS: tuple[FieldSpec, ...] = (
    field(
        "order_number", _("Order ID"),
        "หมายเลขคำสั่งซื้อ", "เลขที่คำสั่งซื้อ", "order id", "order sn", "order no",
        required=True,
    ),
    field("status", _("Order status"), "สถานะการสั่งซื้อ", "สถานะคำสั่งซื้อ", "order status"),
    field(
        "refund_status", _("Return / refund status"),
        "สถานะการคืนเงินหรือคืนสินค้า", "สถานะการคืนสินค้าหรือคืนเงิน", "return refund status",
    ),
    field(
        "placed_at", _("Order creation date"),
        "เวลาที่ทำการสั่งซื้อ", "วันที่ทำการสั่งซื้อ", "วันที่สั่งซื้อ", "เวลาสั่งซื้อ",
        "order creation date", "order created time", "order creation time", "order time",
        required=True,
    ),
    field("sku", _("SKU reference"), "เลขอ้างอิง sku", "sku reference no", "sku reference number"),
    field("parent_sku", _("Parent SKU reference"), "เลขอ้างอิง parent sku", "parent sku reference no"),
    field("product_name", _("Product name"), "ชื่อสินค้า", "product name", required=True),
    field("variation", _("Variation"), "ชื่อตัวเลือก", "variation name", "variation"),
    field("unit_price", _("Deal price"), "ราคาขาย", "deal price", required=True),
    field("quantity", _("Quantity"), "จำนวน", "quantity", required=True),
    field(
        "shipping", _("Shipping fee paid by the buyer"),
        "ค่าจัดส่งที่ชำระโดยผู้ซื้อ", "buyer paid shipping fee",
    ),
    field(
        "order_total", _("Grand total (once per order)"),
        "ยอดรวมทั้งหมด", "จำนวนเงินทั้งหมด", "grand total", "total amount", "order total amount",
    ),
    field("payment_method", _("Payment method"), "ช่องทางการชำระเงิน", "วิธีการชำระเงิน", "payment method"),
    field(
        "buyer_username", _("Buyer username"),
        "ชื่อผู้ใช้ (ผู้ซื้อ)", "ชื่อผู้ใช้ผู้ซื้อ", "username (buyer)", "buyer username",
    ),
    field("buyer_name", _("Receiver name"), "ชื่อผู้รับ", "receiver name", "recipient name"),
    field("phone", _("Phone number (often masked)"), "หมายเลขโทรศัพท์", "phone number", "เบอร์โทรศัพท์"),
    field("province", _("Province"), "จังหวัด", "province"),
)  # fmt: skip

# --- Lazada Seller Center: one row per unit sold, grouped by orderNumber ---------------------------
# The export's headings are camelCase in every Seller Center language.

LAZADA_FIELDS: tuple[FieldSpec, ...] = (
    field("order_number", _("Order number"), "ordernumber", "order number", required=True),
    field(
        "placed_at", _("Created at"),
        "createtime", "created at", "create time", "order date", required=True,
    ),
    field("sku", _("Seller SKU"), "sellersku", "seller sku"),
    field("product_name", _("Item name"), "itemname", "item name", required=True),
    field("variation", _("Variation"), "variation"),
    field("unit_price", _("Unit price"), "unitprice", "unit price", required=True),
    field("paid_price", _("Paid price"), "paidprice", "paid price"),
    field("shipping", _("Shipping fee (per item)"), "shippingfee", "shipping fee"),
    field("payment_method", _("Payment method"), "paymethod", "payment method"),
    field("status", _("Status"), "status"),
    field("buyer_username", _("Buyer ID"), "buyerid", "buyer id", "customerid", "customer id"),
    field("buyer_name", _("Customer name"), "customername", "customer name"),
    field("email", _("Customer email"), "customeremail", "customer email"),
    field("phone", _("Shipping phone (often masked)"), "shippingphone", "shipping phone"),
    field("province", _("Region / province"), "shippingregion", "shippingaddress5", "shipping region"),
)  # fmt: skip

# --- TikTok Shop: row 2 holds descriptions; Order Amount repeats on every SKU row -----------------

TIKTOK_FIELDS: tuple[FieldSpec, ...] = (
    field("order_number", _("Order ID"), "order id", "หมายเลขคำสั่งซื้อ", required=True),
    field("status", _("Order status"), "order status", "สถานะคำสั่งซื้อ"),
    field("placed_at", _("Created time"), "created time", "เวลาที่สร้าง", required=True),
    field("sku", _("Seller SKU"), "seller sku"),
    field("sku_id", _("SKU ID"), "sku id"),
    field("product_name", _("Product name"), "product name", "ชื่อสินค้า", required=True),
    field("variation", _("Variation"), "variation"),
    field("quantity", _("Quantity"), "quantity", "จำนวน", required=True),
    field("unit_price", _("SKU unit original price"), "sku unit original price", required=True),
    field("shipping", _("Shipping fee after discount"), "shipping fee after discount"),
    field("order_total", _("Order amount (once per order)"), "order amount"),
    field("payment_method", _("Payment method"), "payment method", "วิธีการชำระเงิน"),
    field("buyer_username", _("Buyer username"), "buyer username"),
    field("buyer_name", _("Recipient"), "recipient", "ผู้รับ"),
    field("phone", _("Phone # (often masked)"), "phone #", "phone", "หมายเลขโทรศัพท์"),
    field("province", _("Province"), "province", "จังหวัด"),
)  # fmt: skip

# --- columns each export has that Samphan knows and leaves out on purpose --------------------------

_DELIVERY = _("Delivery and tracking: not imported")
_PAID_AT = _("When it was paid: not imported (the order date is the date it was placed)")
_AMOUNTS = _("Discounts, fees and subtotals: not imported (the order's total is)")
_ADDRESS = _("Address details: not imported (Samphan keeps the province)")
_NOTES = _("Notes and messages: not imported")
_OTHER = _("Known column: not imported")

KNOWN_COLUMNS: dict[str, tuple[tuple[str | Promise, tuple[str, ...]], ...]] = {
    ImportKind.SHOPEE: (
        (_DELIVERY, (
            "หมายเลขติดตามพัสดุ", "ตัวเลือกการจัดส่ง", "วิธีการจัดส่ง", "วันที่คาดว่าจะทำการจัดส่งสินค้า",
            "เวลาส่งสินค้า", "tracking number", "shipping option", "shipment method",
            "estimated ship out date", "ship time", "order complete time", "sku total weight",
            "order total weight", "number of product in order",
        )),
        (_PAID_AT, ("เวลาชำระสินค้า", "เวลาการชำระสินค้า", "order paid time")),
        (_AMOUNTS, (
            "ราคาตั้งต้น", "จำนวนที่ส่งคืน", "ราคาขายสุทธิ", "ส่วนลดจาก shopee", "โค้ดส่วนลดชำระโดยผู้ขาย",
            "โค้ด coins cashback", "โค้ดส่วนลดชำระโดย shopee", "ส่วนลดจากการใช้เหรียญ",
            "ส่วนลดจากบัตรเครดิต", "ค่าจัดส่งโดยประมาณ", "ค่าจัดส่งที่ shopee ออกให้โดยประมาณ",
            "ค่าจัดส่งสินค้าคืน", "ค่าคอมมิชชั่น", "ค่าธรรมเนียมการชำระเงิน", "ค่าบริการ",
            "original price", "returned quantity", "product subtotal", "total discount",
            "price discount", "shopee rebate", "seller voucher", "seller absorbed coin cashback",
            "shopee voucher", "bundle deals indicator", "shopee bundle discount",
            "seller bundle discount", "shopee coins offset", "credit card discount total",
            "products' price paid by buyer", "shipping rebate estimate", "reverse shipping fee",
            "service fee", "estimated shipping fee", "commission fee", "transaction fee",
        )),
        (_ADDRESS, (
            "ที่อยู่ในการจัดส่ง", "ตำบล", "เขต/อำเภอ", "รหัสไปรษณีย์", "ประเทศ", "delivery address",
            "town", "district", "zip code", "country", "city",
        )),
        (_NOTES, ("หมายเหตุจากผู้ซื้อ", "หมายเหตุ", "remark from buyer", "note")),
        (_OTHER, ("เหตุผลในการยกเลิกคำสั่งซื้อ", "cancel reason")),
    ),
    ImportKind.LAZADA: (
        (_DELIVERY, (
            "deliverytype", "warehouse", "rtssla", "ttssla", "delivereddate", "cdshippingprovider",
            "shippingprovider", "shipmenttypename", "shippingprovidertype", "cdtrackingcode",
            "trackingcode", "trackingurl", "shippingproviderfm", "trackingcodefm",
            "trackingurlfm", "promisedshippingtime", "updatetime",
        )),
        (_AMOUNTS, ("sellerdiscounttotal", "walletcredit", "bundlediscount", "refundamount")),
        (_ADDRESS, (
            "shippingname", "shippingaddress", "shippingaddress2", "shippingaddress3",
            "shippingaddress4", "shippingaddress5", "shippingphone2", "shippingcity", "shippingpostcode",
            "shippingcountry", "billingname", "billingaddr", "billingaddr2", "billingaddr3",
            "billingaddr4", "billingaddr5", "billingphone", "billingphone2", "billingcity",
            "billingpostcode", "billingcountry",
        )),
        (_OTHER, (
            "orderitemid", "ordertype", "guarantee", "lazadaid", "lazadasku", "invoicerequired",
            "invoicenumber", "nationalregistrationnumber", "taxcode", "branchnumber",
            "taxinvoicerequested", "premium", "buyerfaileddeliveryreturninitiator",
            "buyerfaileddeliveryreason", "buyerfaileddeliverydetail",
            "buyerfaileddeliveryusername", "bundleid",
        )),
    ),
    ImportKind.TIKTOK: (
        (_DELIVERY, (
            "rts time", "shipped time", "delivered time", "fulfillment type", "warehouse name",
            "tracking id", "delivery option", "shipping provider name", "weight", "package id",
        )),
        (_PAID_AT, ("paid time",)),
        (_AMOUNTS, (
            "sku quantity of return", "sku subtotal before discount", "sku platform discount",
            "sku seller discount", "sku subtotal after discount", "original shipping fee",
            "shipping fee seller discount", "shipping fee platform discount",
            "payment platform discount", "taxes", "small order fee", "order refund amount",
        )),
        (_ADDRESS, (
            "zipcode", "country", "district", "detail address", "additional address information",
        )),
        (_NOTES, ("buyer message", "seller note")),
        (_OTHER, (
            "order substatus", "cancelation/return type", "normal or pre-order", "cancelled time",
            "cancel by", "cancel reason", "product category", "checked status",
            "checked marked by",
        )),
    ),
}  # fmt: skip

MARKETPLACE_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    ImportKind.SHOPEE: SHOPEE_FIELDS,
    ImportKind.LAZADA: LAZADA_FIELDS,
    ImportKind.TIKTOK: TIKTOK_FIELDS,
}

# The sales channel a marketplace's orders go to, and the contact kind of its buyer usernames.
MARKETPLACE_CHANNEL: dict[str, str] = {
    ImportKind.SHOPEE: ChannelKind.SHOPEE,
    ImportKind.LAZADA: ChannelKind.LAZADA,
    ImportKind.TIKTOK: ChannelKind.TIKTOK,
}
# The day/month order an export is known to write, tried first (its values still decide).
DATE_ORDER_HINT: dict[str, str] = {ImportKind.TIKTOK: "mdy"}
MARKETPLACE_CONTACT: dict[str, str] = {
    ImportKind.SHOPEE: ContactKind.SHOPEE,
    ImportKind.LAZADA: ContactKind.LAZADA,
    ImportKind.TIKTOK: ContactKind.TIKTOK,
}
