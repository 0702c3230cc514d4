-- One database per kit service (run once, when the PostgreSQL volume is created).
CREATE DATABASE trust OWNER madoguchi;
CREATE DATABASE central OWNER madoguchi;
CREATE DATABASE idp OWNER madoguchi;
CREATE DATABASE ss_da OWNER madoguchi;
CREATE DATABASE ss_lg139998 OWNER madoguchi;
CREATE DATABASE ss_moj OWNER madoguchi;
CREATE DATABASE ss_jps OWNER madoguchi;
CREATE DATABASE residence OWNER madoguchi;
CREATE DATABASE childcare OWNER madoguchi;
CREATE DATABASE company OWNER madoguchi;
CREATE DATABASE pension OWNER madoguchi;
CREATE DATABASE portal OWNER madoguchi;
