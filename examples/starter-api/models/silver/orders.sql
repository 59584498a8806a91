-- The shipped orders with their customer: the two API tables joined.
SELECT o.order_id,
       o.customer_id,
       c.name,
       c.country,
       o.product,
       o.quantity,
       o.unit_price,
       o.quantity * o.unit_price AS amount,
       o.status,
       CAST(o.ordered_at AS DATE) AS ordered_at
FROM bronze.orders AS o
JOIN bronze.customers AS c ON c.customer_id = o.customer_id
WHERE o.status <> 'cancelled'
