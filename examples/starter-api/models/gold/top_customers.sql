-- Every customer's revenue, orders and latest month of an order.
SELECT name,
       country,
       round(sum(amount), 2) AS revenue,
       count(*) AS orders,
       max(month(ordered_at)) AS last_month
FROM silver.orders
GROUP BY name, country
