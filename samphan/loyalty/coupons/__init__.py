"""Coupons and exclusive discounts (คูปอง): campaigns with a shared code or unique codes, limits
that hold under concurrent redemption, targeting by segment or tier."""
