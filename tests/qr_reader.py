"""Reading QR codes back with a real decoder (zxing-cpp), not the library that drew them."""
import io

import zxingcpp
from PIL import Image


def qr_texts(image):
    """The texts of every QR code in ``image`` (PNG bytes or a path)."""
    source = io.BytesIO(image) if isinstance(image, bytes) else image
    with Image.open(source) as picture:
        found = zxingcpp.read_barcodes(picture.convert("L"),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in found]
