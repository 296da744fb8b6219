"""The wizard knows the heading rows of current Seller Centre exports: every column is either
mapped to what it holds or known and left out on purpose, and the mapping it suggests is
complete enough to import without touching it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.translation import override

from samphan.core.access import Actor
from samphan.imports import jobs
from samphan.imports.mapping import known_column, mapping_clean, suggest_mapping
from tests.imports.conftest import upload

# Shopee Seller Centre → คำสั่งซื้อของฉัน → ส่งออก, Thai (2024): "เวลาที่ทำการสั่งซื้อ", not the
# "วันที่ทำการสั่งซื้อ" of older exports, and "ยอดรวมทั้งหมด" for the grand total.
SHOPEE_TH = [
    "หมายเลขคำสั่งซื้อ", "สถานะการสั่งซื้อ", "เหตุผลในการยกเลิกคำสั่งซื้อ",
    "สถานะการคืนเงินหรือคืนสินค้า", "*หมายเลขติดตามพัสดุ", "ตัวเลือกการจัดส่ง", "วิธีการจัดส่ง",
    "วันที่คาดว่าจะทำการจัดส่งสินค้า", "เวลาส่งสินค้า", "เวลาที่ทำการสั่งซื้อ", "เวลาชำระสินค้า",
    "เลขอ้างอิง Parent SKU", "ชื่อสินค้า", "เลขอ้างอิง SKU (SKU Reference No.)", "ชื่อตัวเลือก",
    "ราคาตั้งต้น", "ราคาขาย", "จำนวน", "จำนวนที่ส่งคืน", "ราคาขายสุทธิ", "ส่วนลดจาก Shopee",
    "โค้ดส่วนลดชำระโดยผู้ขาย", "โค้ด Coins Cashback", "โค้ดส่วนลดชำระโดย Shopee",
    "ส่วนลดจากการใช้เหรียญ", "ส่วนลดจากบัตรเครดิต", "ค่าจัดส่งที่ชำระโดยผู้ซื้อ",
    "ค่าจัดส่งโดยประมาณ", "ค่าจัดส่งที่ Shopee ออกให้โดยประมาณ", "ค่าจัดส่งสินค้าคืน",
    "ยอดรวมทั้งหมด", "ช่องทางการชำระเงิน", "ค่าคอมมิชชั่น", "ค่าธรรมเนียมการชำระเงิน", "ค่าบริการ",
    "*ชื่อผู้ใช้ (ผู้ซื้อ)", "ชื่อผู้รับ", "หมายเลขโทรศัพท์", "ที่อยู่ในการจัดส่ง", "ตำบล",
    "เขต/อำเภอ", "จังหวัด", "รหัสไปรษณีย์", "ประเทศ", "หมายเหตุจากผู้ซื้อ", "หมายเหตุ",
]  # fmt: skip

# The same export with Seller Centre in English.
SHOPEE_EN = [
    "Order ID", "Order Status", "Cancel reason", "Return / Refund Status", "Tracking Number*",
    "Shipping Option", "Shipment Method", "Estimated Ship Out Date", "Ship Time",
    "Order Creation Date", "Order Paid Time", "Parent SKU Reference No.", "Product Name",
    "SKU Reference No.", "Variation Name", "Original Price", "Deal Price", "Quantity",
    "Returned quantity", "Product Subtotal", "Total Discount(THB)",
    "Price Discount(from Seller)(THB)", "Shopee Rebate(THB)", "SKU Total Weight",
    "Number of product in order", "Order Total Weight", "Seller Voucher(THB)",
    "Seller Absorbed Coin Cashback", "Shopee Voucher(THB)", "Bundle Deals Indicator(Y/N)",
    "Shopee Bundle Discount(THB)", "Seller Bundle Discount(THB)", "Shopee Coins Offset(THB)",
    "Credit Card Discount Total(THB)", "Products' Price Paid by Buyer (THB)",
    "Buyer Paid Shipping Fee", "Shipping Rebate Estimate", "Reverse Shipping Fee", "Service Fee",
    "Grand Total", "Estimated Shipping Fee", "Username (Buyer)", "Receiver Name", "Phone Number",
    "Delivery Address", "Town", "District", "Province", "Zip Code", "Country",
    "Remark from buyer", "Order Complete Time", "Note",
]  # fmt: skip

# Lazada Seller Center → Orders → Export (the same camelCase headings in every language).
LAZADA = [
    "orderItemId", "orderType", "Guarantee", "deliveryType", "lazadaId", "sellerSku",
    "lazadaSku", "wareHouse", "createTime", "updateTime", "rtsSla", "ttsSla", "orderNumber",
    "invoiceRequired", "invoiceNumber", "deliveredDate", "customerName", "customerEmail",
    "nationalRegistrationNumber", "shippingName", "shippingAddress", "shippingAddress2",
    "shippingAddress3", "shippingAddress4", "shippingAddress5", "shippingPhone",
    "shippingPhone2", "shippingCity", "shippingPostCode", "shippingCountry", "shippingRegion",
    "billingName", "billingAddr", "billingAddr2", "billingAddr3", "billingAddr4", "billingAddr5",
    "billingPhone", "billingPhone2", "billingCity", "billingPostCode", "billingCountry",
    "taxCode", "branchNumber", "taxInvoiceRequested", "payMethod", "paidPrice", "unitPrice",
    "sellerDiscountTotal", "shippingFee", "walletCredit", "itemName", "variation",
    "cdShippingProvider", "shippingProvider", "shipmentTypeName", "shippingProviderType",
    "cdTrackingCode", "trackingCode", "trackingUrl", "shippingProviderFM", "trackingCodeFM",
    "trackingUrlFM", "promisedShippingTime", "premium", "status",
    "buyerFailedDeliveryReturnInitiator", "buyerFailedDeliveryReason",
    "buyerFailedDeliveryDetail", "buyerFailedDeliveryUserName", "bundleId", "bundleDiscount",
    "refundAmount",
]  # fmt: skip

# TikTok Shop Seller Center → Orders → Export (English headings).
TIKTOK = [
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type",
    "Normal or Pre-order", "SKU ID", "Seller SKU", "Product Name", "Variation", "Quantity",
    "Sku Quantity of return", "SKU Unit Original Price", "SKU Subtotal Before Discount",
    "SKU Platform Discount", "SKU Seller Discount", "SKU Subtotal After Discount",
    "Shipping Fee After Discount", "Original Shipping Fee", "Shipping Fee Seller Discount",
    "Shipping Fee Platform Discount", "Payment platform discount", "Taxes", "Small Order Fee",
    "Order Amount", "Order Refund Amount", "Created Time", "Paid Time", "RTS Time",
    "Shipped Time", "Delivered Time", "Cancelled Time", "Cancel By", "Cancel Reason",
    "Fulfillment Type", "Warehouse Name", "Tracking ID", "Delivery Option",
    "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #",
    "Zipcode", "Country", "Province", "District", "Detail Address",
    "Additional address information", "Payment Method", "Weight(kg)", "Product Category",
    "Package ID", "Seller Note", "Checked Status", "Checked Marked by",
]  # fmt: skip

EXPECTED = {
    "shopee_th": {
        "หมายเลขคำสั่งซื้อ": "order_number", "สถานะการสั่งซื้อ": "status",
        "สถานะการคืนเงินหรือคืนสินค้า": "refund_status", "เวลาที่ทำการสั่งซื้อ": "placed_at",
        "เลขอ้างอิง Parent SKU": "parent_sku", "ชื่อสินค้า": "product_name",
        "เลขอ้างอิง SKU (SKU Reference No.)": "sku", "ชื่อตัวเลือก": "variation",
        "ราคาขาย": "unit_price", "จำนวน": "quantity", "ค่าจัดส่งที่ชำระโดยผู้ซื้อ": "shipping",
        "ยอดรวมทั้งหมด": "order_total", "ช่องทางการชำระเงิน": "payment_method",
        "*ชื่อผู้ใช้ (ผู้ซื้อ)": "buyer_username", "ชื่อผู้รับ": "buyer_name",
        "หมายเลขโทรศัพท์": "phone", "จังหวัด": "province",
    },
    "shopee_en": {
        "Order ID": "order_number", "Order Status": "status",
        "Return / Refund Status": "refund_status", "Order Creation Date": "placed_at",
        "Parent SKU Reference No.": "parent_sku", "Product Name": "product_name",
        "SKU Reference No.": "sku", "Variation Name": "variation", "Deal Price": "unit_price",
        "Quantity": "quantity", "Buyer Paid Shipping Fee": "shipping",
        "Grand Total": "order_total", "Username (Buyer)": "buyer_username",
        "Receiver Name": "buyer_name", "Phone Number": "phone", "Province": "province",
    },
    "lazada": {
        "orderNumber": "order_number", "createTime": "placed_at", "sellerSku": "sku",
        "itemName": "product_name", "variation": "variation", "unitPrice": "unit_price",
        "paidPrice": "paid_price", "shippingFee": "shipping", "payMethod": "payment_method",
        "status": "status", "customerName": "buyer_name", "customerEmail": "email",
        "shippingPhone": "phone", "shippingRegion": "province",
    },
    "tiktok": {
        "Order ID": "order_number", "Order Status": "status", "Created Time": "placed_at",
        "Seller SKU": "sku", "SKU ID": "sku_id", "Product Name": "product_name",
        "Variation": "variation", "Quantity": "quantity",
        "SKU Unit Original Price": "unit_price", "Shipping Fee After Discount": "shipping",
        "Order Amount": "order_total", "Payment Method": "payment_method",
        "Buyer Username": "buyer_username", "Recipient": "buyer_name", "Phone #": "phone",
        "Province": "province",
    },
}  # fmt: skip

HEADERS = {"shopee_th": SHOPEE_TH, "shopee_en": SHOPEE_EN, "lazada": LAZADA, "tiktok": TIKTOK}


@pytest.mark.parametrize("export", sorted(HEADERS))
def test_current_export_headers_are_all_known(export: str) -> None:
    kind = export.split("_")[0]
    headers = HEADERS[export]
    mapping = suggest_mapping(kind, headers)

    found = {headers[col]: field for col, field in mapping.items()}
    assert found == EXPECTED[export]
    unknown = [h for i, h in enumerate(headers) if i not in mapping and not known_column(kind, h)]
    assert unknown == []
    # The suggestion is enough to import: every required field has its column.
    assert mapping_clean(kind, headers, None) == mapping


def test_the_new_shopee_order_time_heading() -> None:
    # Before: "เวลาที่ทำการสั่งซื้อ" was not known, the order date stayed unmapped and the
    # wizard refused the file until the person found the column themselves.
    mapping = suggest_mapping("shopee", ["หมายเลขคำสั่งซื้อ", "เวลาที่ทำการสั่งซื้อ"])
    assert mapping == {0: "order_number", 1: "placed_at"}


@pytest.mark.django_db
def test_the_mapping_page_says_which_known_columns_are_left_out(
    owner: Actor, owner_client: Client
) -> None:
    job = jobs.import_job_create(actor=owner, file=upload("shopee_th.xlsx"), kind="shopee")
    page = owner_client.get(f"/imports/{job.pk}/mapping/").content.decode()
    with override("th"):
        assert str(known_column("shopee", "*หมายเลขติดตามพัสดุ")) in page
