-- Phase 2 of the reference notebook: order lines joined with their order,
-- product, category and customer, with the line total in Spark's float
-- arithmetic (unit_price and discount are PostgreSQL `real`).
-- Only the latest ingestion of each bronze table is read, as the notebook
-- reads bronze/<table>/<today>.
WITH od AS (SELECT * FROM bronze.order_details
            WHERE _ingestion_date = (SELECT max(_ingestion_date) FROM bronze.order_details)),
     o AS (SELECT * FROM bronze.orders
           WHERE _ingestion_date = (SELECT max(_ingestion_date) FROM bronze.orders)),
     p AS (SELECT * FROM bronze.products
           WHERE _ingestion_date = (SELECT max(_ingestion_date) FROM bronze.products)),
     cat AS (SELECT * FROM bronze.categories
             WHERE _ingestion_date = (SELECT max(_ingestion_date) FROM bronze.categories)),
     c AS (SELECT * FROM bronze.customers
           WHERE _ingestion_date = (SELECT max(_ingestion_date) FROM bronze.customers))
SELECT od.order_id,
       o.order_date,
       c.company_name AS client,
       upper(c.country) AS pays,
       p.product_name AS produit,
       cat.category_name AS categorie,
       od.quantity,
       od.unit_price,
       round(od.unit_price * od.quantity * (1 - od.discount), 2) AS montant_final
FROM od
LEFT JOIN o ON od.order_id = o.order_id
LEFT JOIN p ON od.product_id = p.product_id
LEFT JOIN cat ON p.category_id = cat.category_id
LEFT JOIN c ON o.customer_id = c.customer_id
