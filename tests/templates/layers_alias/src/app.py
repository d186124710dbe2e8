"""Prices from the shared layer (``/opt/python/shared_prices.py``)."""

import os

import shared_prices


def handler(event, context):
    return {"price": shared_prices.price(event["sku"]), "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"]}
