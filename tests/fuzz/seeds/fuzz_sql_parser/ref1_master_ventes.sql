SELECT od.order_id, o.order_date, c.company_name AS client, upper(c.country) AS pays,
       p.product_name AS produit, cat.category_name AS categorie, od.quantity, od.unit_price,
       round(od.unit_price * od.quantity * (1 - od.discount), 2) AS montant_final
FROM bronze.order_details od
LEFT JOIN bronze.orders o USING (order_id)
LEFT JOIN bronze.products p ON od.product_id = p.product_id
LEFT JOIN bronze.categories cat ON p.category_id = cat.category_id
LEFT JOIN bronze.customers c ON o.customer_id = c.customer_id;
