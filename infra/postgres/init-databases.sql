-- One database per service (database-per-service). The postgres image runs this only when its
-- data volume is empty, so after changing it run `docker compose down -v` to re-initialise.
CREATE DATABASE order_service;
CREATE DATABASE inventory_service;
CREATE DATABASE shipping_service;
CREATE DATABASE notification_service;
