"""The model-generic core: what a model declares (model.py) and how models are found
(registry.py). Qt-free, and it names no particular model."""
