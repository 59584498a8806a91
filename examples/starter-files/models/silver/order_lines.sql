-- One row per order with its customer and product: a three-way join.
SELECT o.order_id,
       o.customer_id,
       initcap(lower(trim(c.country))) AS country,
       p.product_name,
       o.quantity,
       p.unit_price,
       o.quantity * p.unit_price AS amount,
       CAST(o.order_date AS DATE) AS order_date
FROM bronze.orders AS o
JOIN bronze.customers AS c ON c.customer_id = o.customer_id
JOIN bronze.products AS p ON p.product_id = o.product_id
