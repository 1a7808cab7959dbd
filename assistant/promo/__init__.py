"""Promosi (issue 19): from one to five photos of a product to a whole listing set and social posts.

    from assistant.promo import make_listing, ProductInfo, BrandKit
    s = make_listing(["keripik.jpg"], "shopee,tokopedia",
                     ProductInfo(title="Keripik Balado", points=("Tanpa pengawet", "Halal"),
                                 size_cm=(14, 20, 6), net="250 g", price=25000, old_price=35000,
                                 badges=("gratis-ongkir",)),
                     BrandKit(name="Dapur Bu Sri", backdrop="kayu:jati"))
    for image in s.images: ...              # SlotImage: target, slot, image, data, filename
    for skipped in s.skipped: skipped.message("id")   # why a slot was not made

``make_listings`` makes a shop's sets with one look; ``write_listing`` writes them with a report;
``zip_listing`` packs them (and the brand kit) as one zip for the app's download.
"""

from assistant.promo.backdrops import list_backdrops, load_backdrop, render_backdrop
from assistant.promo.cards import BADGES, ProductInfo
from assistant.promo.kit import BrandKit, kit_from_json, kit_to_json, load_kit, save_kit, with_logo
from assistant.promo.listing import (ListingSet, Options, ProductInput, SlotImage, Skipped, list_slots,
                                     make_listing, make_listings, social_formats, write_listing, zip_listing)
from assistant.promo.money import discount_percent, format_rupiah, parse_rupiah

__all__ = [
    "BADGES", "BrandKit", "ListingSet", "Options", "ProductInfo", "ProductInput", "Skipped", "SlotImage",
    "discount_percent", "format_rupiah", "kit_from_json", "kit_to_json", "list_backdrops", "list_slots",
    "load_backdrop", "load_kit", "make_listing", "make_listings", "parse_rupiah", "render_backdrop",
    "save_kit", "social_formats", "with_logo", "write_listing", "zip_listing",
]
