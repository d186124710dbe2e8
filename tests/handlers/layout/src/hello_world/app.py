"""The handler of ``src/hello_world.app.lambda_handler``, the layout of AWS SAM's template."""


def lambda_handler(event, context):
    return {"module": __name__}
