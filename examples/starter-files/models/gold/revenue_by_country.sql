-- Revenue per country: sum, count, count(DISTINCT), avg, max, round, month.
SELECT upper(country) AS country,
       round(sum(amount), 2) AS revenue,
       count(*) AS orders,
       count(DISTINCT customer_id) AS customers,
       round(avg(amount), 2) AS avg_order,
       max(month(order_date)) AS last_month
FROM silver.order_lines
GROUP BY upper(country)
