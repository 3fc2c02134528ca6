from cifta.cli import main

main()
