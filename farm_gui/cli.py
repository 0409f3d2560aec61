"""Headless command line (grows with the store issue)."""

import argparse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="farm-gui", description="Farm GUI")
    parser.parse_args(argv)
    parser.print_help()
    return 0
