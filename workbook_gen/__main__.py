from workbook_gen.cli import main

main()
