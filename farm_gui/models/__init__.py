"""The built-in models, each a plug-in in its own package (declared through the
``farm_gui.models`` entry points like any researcher's model); they never import each other."""
