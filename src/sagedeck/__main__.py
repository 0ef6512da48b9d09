from sagedeck.cli import main

raise SystemExit(main())
