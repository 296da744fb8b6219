"""The marketplaces' order exports: Shopee, Lazada and TikTok Shop Seller Centre files.

Each export has its own headings (Thai or English, as the seller's Seller Centre language
was set when they downloaded it), its own way of repeating order-level cells on item rows,
and its own sales channel and buyer-username contact kind.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from samphan.commerce.models import ChannelKind
from samphan.customers.models import ContactKind
from samphan.imports.models import ImportKind
from samphan.imports.spec import FieldSpec, field

# --- Shopee Seller Centre: one row per line item; Thai or English headings ------------------------

SHOPEE_FIELDS: tuple[FieldSpec, ...] = (
    field("order_number", _("Order ID"), "หมายเลขคำสั่งซื้อ", "order id", "order sn", required=True),
    field("status", _("Order status"), "สถานะการสั่งซื้อ", "order status"),
    field("refund_status", _("Return / refund status"), "สถานะการคืนเงินหรือคืนสินค้า", "return refund status"),
    field(
        "placed_at", _("Order creation date"),
        "วันที่ทำการสั่งซื้อ", "วันที่สั่งซื้อ", "order creation date", "order created time",
        required=True,
    ),
    field("sku", _("SKU reference"), "เลขอ้างอิง sku", "sku reference no", "sku reference number"),
    field("parent_sku", _("Parent SKU reference"), "เลขอ้างอิง parent sku", "parent sku reference no"),
    field("product_name", _("Product name"), "ชื่อสินค้า", "product name", required=True),
    field("variation", _("Variation"), "ชื่อตัวเลือก", "variation name", "variation"),
    field("unit_price", _("Deal price"), "ราคาขาย", "deal price", required=True),
    field("quantity", _("Quantity"), "จำนวน", "quantity", required=True),
    field("shipping", _("Shipping fee paid by the buyer"), "ค่าจัดส่งที่ชำระโดยผู้ซื้อ", "buyer paid shipping fee"),
    field(
        "order_total", _("Grand total (once per order)"),
        "จำนวนเงินทั้งหมด", "ยอดรวมทั้งหมด", "grand total", "total amount", "order total amount",
    ),
    field("payment_method", _("Payment method"), "ช่องทางการชำระเงิน", "payment method"),
    field("buyer_username", _("Buyer username"), "ชื่อผู้ใช้ (ผู้ซื้อ)", "ชื่อผู้ใช้ผู้ซื้อ", "username (buyer)", "buyer username"),
    field("buyer_name", _("Receiver name"), "ชื่อผู้รับ", "receiver name", "recipient name"),
    field("phone", _("Phone number (often masked)"), "หมายเลขโทรศัพท์", "phone number", "เบอร์โทรศัพท์"),
    field("province", _("Province"), "จังหวัด", "province"),
)  # fmt: skip

# --- Lazada Seller Center: one row per unit sold, grouped by orderNumber ---------------------------

LAZADA_FIELDS: tuple[FieldSpec, ...] = (
    field("order_number", _("Order number"), "ordernumber", "order number", required=True),
    field("placed_at", _("Created at"), "createtime", "created at", "order date", required=True),
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
    field("order_number", _("Order ID"), "order id", required=True),
    field("status", _("Order status"), "order status"),
    field("placed_at", _("Created time"), "created time", required=True),
    field("sku", _("Seller SKU"), "seller sku"),
    field("sku_id", _("SKU ID"), "sku id"),
    field("product_name", _("Product name"), "product name", required=True),
    field("variation", _("Variation"), "variation"),
    field("quantity", _("Quantity"), "quantity", required=True),
    field("unit_price", _("SKU unit original price"), "sku unit original price", required=True),
    field("shipping", _("Shipping fee after discount"), "shipping fee after discount"),
    field("order_total", _("Order amount (once per order)"), "order amount"),
    field("payment_method", _("Payment method"), "payment method"),
    field("buyer_username", _("Buyer username"), "buyer username"),
    field("buyer_name", _("Recipient"), "recipient"),
    field("phone", _("Phone # (often masked)"), "phone #", "phone"),
    field("province", _("Province"), "province"),
)  # fmt: skip

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
