@portal
Feature: Decide who may share your data, and see every use of it
  Agencies share what they hold about a resident only through the data exchange, and only on a
  legal basis. Where the basis is the resident's consent, the resident gives or withdraws it on
  the portal, and the agency that holds the data checks it with the portal before anything
  leaves. Sakuragi City's resident register records every request about a resident, in a
  hash-chained record the portal shows and checks.

  Background:
    Given Madoguchi is shown in English

  Scenario: A resident lets the portal read the register, sees who used the data, then withdraws consent
    Given Kenta has signed in to the portal with his My Number card
    When Kenta gives his consent on the portal for it to read his details from the resident register
    Then the portal lists Kenta's consent as "Given"
    When Kenta fetches his details from the resident register on the portal
    Then the portal shows Kenta these details from the resident register:
      | Name    | 森下 健太              |
      | Address | 桜木市中央一丁目2番3号 |
    And Kenta's page passes an accessibility scan
    When Kenta opens "Who used my data" on the portal
    Then the portal says Kenta's data-usage record is intact
    And Kenta sees that "Digital Agency" got his "Name, Address" to "Show your details in your Madoguchi account" on the basis of his consent
    And Kenta's page passes an accessibility scan
    When Kenta withdraws his consent on the portal
    Then the portal lists Kenta's consent as "Withdrawn"
    When Kenta fetches his details from the resident register on the portal
    Then the portal tells Kenta that Sakuragi City did not release his details because he withdrew his consent today
    When Kenta opens "Who used my data" on the portal
    Then Kenta sees that a request by "Digital Agency" was refused because "the consent had been withdrawn"
